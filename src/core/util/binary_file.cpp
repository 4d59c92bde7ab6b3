#include "util/binary_file.h"

#include <unistd.h>

#include <cstring>

namespace muse {
namespace fs = std::filesystem;

BinaryWriter::BinaryWriter(fs::path path, std::string_view magic, uint32_t version,
                           uint64_t fingerprint)
    : path_(std::move(path)) {
  MUSE_CHECK(magic.size() == 8, "file magic must be 8 bytes, got '{}'", magic);
  if (path_.has_parent_path()) fs::create_directories(path_.parent_path());
  tmp_path_ = path_;
  tmp_path_ += ".tmp." + std::to_string(::getpid());
  f_ = std::fopen(tmp_path_.c_str(), "wb");
  if (f_ == nullptr) {
    MUSE_THROW(ErrorCode::kUnavailable, "cannot write {}: {}", tmp_path_.string(),
               std::strerror(errno));
  }
  FileHeader h{};
  std::memcpy(h.magic, magic.data(), 8);
  h.version = version;
  h.fingerprint = fingerprint;
  write(h);
}

BinaryWriter::~BinaryWriter() {
  if (f_ != nullptr) std::fclose(f_);
  if (!committed_) {
    std::error_code ec;
    fs::remove(tmp_path_, ec);
  }
}

void BinaryWriter::write_bytes(const void* data, size_t n) {
  if (n == 0) return;
  if (std::fwrite(data, 1, n, f_) != n) {
    MUSE_THROW(ErrorCode::kUnavailable, "write to {} failed: {}", tmp_path_.string(),
               std::strerror(errno));
  }
}

void BinaryWriter::write_string(std::string_view s) {
  write<uint64_t>(s.size());
  write_bytes(s.data(), s.size());
}

void BinaryWriter::write_strings(const std::vector<std::string>& v) {
  write<uint64_t>(v.size());
  for (const auto& s : v) write_string(s);
}

void BinaryWriter::commit() {
  MUSE_CHECK(!committed_, "BinaryWriter::commit called twice");
  if (std::fflush(f_) != 0 || ::fsync(::fileno(f_)) != 0) {
    MUSE_THROW(ErrorCode::kUnavailable, "flush of {} failed: {}", tmp_path_.string(),
               std::strerror(errno));
  }
  std::fclose(f_);
  f_ = nullptr;
  fs::rename(tmp_path_, path_);
  committed_ = true;
}

BinaryReader::BinaryReader(fs::path path, std::string_view magic, uint32_t max_version,
                           uint32_t min_version)
    : path_(std::move(path)) {
  if (min_version == 0) min_version = max_version;
  f_ = std::fopen(path_.c_str(), "rb");
  if (f_ == nullptr) MUSE_THROW(ErrorCode::kNotFound, "cannot open {}", path_.string());
  std::error_code ec;
  uint64_t size = fs::file_size(path_, ec);
  remaining_ = ec ? 0 : size;
  if (remaining_ < sizeof(FileHeader)) {
    MUSE_THROW(ErrorCode::kDataLoss, "{} is not a Muse file (too short)", path_.string());
  }
  read_bytes(&header_, sizeof(header_));
  if (std::memcmp(header_.magic, magic.data(), 8) != 0) {
    MUSE_THROW(ErrorCode::kDataLoss, "{} is not a {} file (wrong magic number)", path_.string(),
               std::string(magic));
  }
  if (header_.version < min_version || header_.version > max_version) {
    MUSE_THROW(
        ErrorCode::kDataLoss, "{} has format version {}, this Muse reads {}; rebuild or retrain it",
        path_.string(), header_.version,
        min_version == max_version ? fmt::format("version {}", max_version)
                                   : fmt::format("versions {}..{}", min_version, max_version));
  }
}

BinaryReader::~BinaryReader() {
  if (f_ != nullptr) std::fclose(f_);
}

void BinaryReader::read_bytes(void* data, size_t n) {
  if (n == 0) return;
  if (n > remaining_ || std::fread(data, 1, n, f_) != n) {
    MUSE_THROW(ErrorCode::kDataLoss, "{} is truncated", path_.string());
  }
  remaining_ -= n;
}

void BinaryReader::check_size(uint64_t n, uint64_t max_elems, size_t elem_size) {
  if (n > max_elems || n * elem_size > remaining_) {
    MUSE_THROW(ErrorCode::kDataLoss, "{} is corrupt (array of {} elements)", path_.string(), n);
  }
}

std::string BinaryReader::read_string() {
  auto n = read<uint64_t>();
  check_size(n, 1ull << 32, 1);
  std::string s(n, '\0');
  read_bytes(s.data(), n);
  return s;
}

std::vector<std::string> BinaryReader::read_strings() {
  auto n = read<uint64_t>();
  check_size(n, 1ull << 32, sizeof(uint64_t));
  std::vector<std::string> v;
  v.reserve(n);
  for (uint64_t i = 0; i < n; ++i) v.push_back(read_string());
  return v;
}

void BinaryReader::expect_end() {
  if (remaining_ != 0) {
    MUSE_THROW(ErrorCode::kDataLoss, "{} has {} unexpected trailing bytes", path_.string(),
               remaining_);
  }
}

bool peek_header(const fs::path& path, FileHeader* out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  bool ok = std::fread(out, sizeof(FileHeader), 1, f) == 1;
  std::fclose(f);
  return ok;
}

uint64_t fnv1a(const void* data, size_t n, uint64_t seed) {
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t h = seed;
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace muse
