#include "catalog/input_stream.h"

#include <zstd.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "util/error.h"

namespace muse::catalog {
namespace fs = std::filesystem;

namespace {

constexpr unsigned char kZstdMagic[4] = {0x28, 0xB5, 0x2F, 0xFD};

/// Raw byte source: a FILE* or a string.
class Source {
 public:
  virtual ~Source() = default;
  virtual size_t read(char* buf, size_t n) = 0;
  virtual uint64_t consumed() const = 0;
  virtual uint64_t total() const = 0;
};

class FileSource : public Source {
 public:
  explicit FileSource(const fs::path& p) {
    f_ = std::fopen(p.c_str(), "rb");
    if (f_ == nullptr) MUSE_THROW(ErrorCode::kNotFound, "cannot open {}: {}", p.string(), std::strerror(errno));
    std::error_code ec;
    total_ = fs::file_size(p, ec);
    if (ec) total_ = 0;
  }
  ~FileSource() override { std::fclose(f_); }
  size_t read(char* buf, size_t n) override {
    size_t r = std::fread(buf, 1, n, f_);
    consumed_ += r;
    return r;
  }
  uint64_t consumed() const override { return consumed_; }
  uint64_t total() const override { return total_; }

 private:
  std::FILE* f_;
  uint64_t consumed_ = 0, total_ = 0;
};

class StringSource : public Source {
 public:
  explicit StringSource(std::string s) : s_(std::move(s)) {}
  size_t read(char* buf, size_t n) override {
    size_t r = std::min(n, s_.size() - pos_);
    std::memcpy(buf, s_.data() + pos_, r);
    pos_ += r;
    return r;
  }
  uint64_t consumed() const override { return pos_; }
  uint64_t total() const override { return s_.size(); }

 private:
  std::string s_;
  size_t pos_ = 0;
};

/// A source with a few bytes pushed back (the sniffed magic).
class Stream : public InputStream {
 public:
  Stream(std::unique_ptr<Source> src, std::string name) : src_(std::move(src)), name_(std::move(name)) {
    head_.resize(4);
    head_.resize(src_->read(head_.data(), 4));
    zstd_ = head_.size() == 4 && std::memcmp(head_.data(), kZstdMagic, 4) == 0;
    if (zstd_) {
      dctx_ = ZSTD_createDStream();
      ZSTD_initDStream(dctx_);
      in_buf_.resize(ZSTD_DStreamInSize());
      std::memcpy(in_buf_.data(), head_.data(), 4);
      in_ = {in_buf_.data(), 4, 0};
      head_.clear();
    }
  }
  ~Stream() override {
    if (dctx_ != nullptr) ZSTD_freeDStream(dctx_);
  }
  size_t read(char* buf, size_t n) override {
    if (!zstd_) {
      size_t got = 0;
      if (head_pos_ < head_.size()) {
        got = std::min(n, head_.size() - head_pos_);
        std::memcpy(buf, head_.data() + head_pos_, got);
        head_pos_ += got;
      }
      return got + (got < n ? src_->read(buf + got, n - got) : 0);
    }
    ZSTD_outBuffer out{buf, n, 0};
    while (out.pos == 0) {
      if (in_.pos == in_.size) {
        size_t r = src_->read(in_buf_.data(), in_buf_.size());
        if (r == 0) {
          if (last_ret_ != 0) {
            MUSE_THROW(ErrorCode::kDataLoss, "{}: truncated zstd stream (file ends mid-frame)", name_);
          }
          return 0;
        }
        in_ = {in_buf_.data(), r, 0};
      }
      last_ret_ = ZSTD_decompressStream(dctx_, &out, &in_);
      if (ZSTD_isError(last_ret_)) {
        MUSE_THROW(ErrorCode::kDataLoss, "{}: corrupt zstd data ({})", name_, ZSTD_getErrorName(last_ret_));
      }
    }
    return out.pos;
  }
  uint64_t consumed() const override { return src_->consumed(); }
  uint64_t total() const override { return src_->total(); }
  const std::string& name() const override { return name_; }

 private:
  std::unique_ptr<Source> src_;
  std::string name_;
  std::string head_;
  size_t head_pos_ = 0;
  bool zstd_ = false;
  ZSTD_DStream* dctx_ = nullptr;
  std::vector<char> in_buf_;
  ZSTD_inBuffer in_{nullptr, 0, 0};
  size_t last_ret_ = 0;
};

}  // namespace

std::unique_ptr<InputStream> InputStream::open(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) MUSE_THROW(ErrorCode::kNotFound, "file not found: {}", path.string());
  if (fs::is_directory(path, ec)) MUSE_THROW(ErrorCode::kInvalidArgument, "{} is a directory, not a file", path.string());
  return std::make_unique<Stream>(std::make_unique<FileSource>(path), path.string());
}

std::unique_ptr<InputStream> InputStream::from_string(std::string data, std::string name) {
  return std::make_unique<Stream>(std::make_unique<StringSource>(std::move(data)), std::move(name));
}

std::string read_all(const fs::path& path) {
  auto in = InputStream::open(path);
  std::string out;
  std::vector<char> buf(1 << 16);
  while (size_t r = in->read(buf.data(), buf.size())) out.append(buf.data(), r);
  return out;
}

}  // namespace muse::catalog
