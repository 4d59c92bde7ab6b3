#pragma once
/// Binary model/index files: an 8-byte magic, a format version and a fingerprint of the
/// catalogue they were built from, then the payload. Writers go to a temp file and rename
/// on commit, so a crash never leaves a half-written file under the real name.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "util/error.h"

namespace muse {

struct FileHeader {
  char magic[8];
  uint32_t version = 0;
  uint32_t reserved = 0;
  uint64_t fingerprint = 0;
};
static_assert(sizeof(FileHeader) == 24);

class BinaryWriter {
 public:
  /// `magic` must be exactly 8 characters, e.g. "MUSECAT1".
  BinaryWriter(std::filesystem::path path, std::string_view magic, uint32_t version,
               uint64_t fingerprint = 0);
  ~BinaryWriter();  // discards the temp file unless commit() ran
  BinaryWriter(const BinaryWriter&) = delete;
  BinaryWriter& operator=(const BinaryWriter&) = delete;

  void write_bytes(const void* data, size_t n);
  template <class T>
  void write(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    write_bytes(&v, sizeof(T));
  }
  template <class T>
  void write_vector(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    write<uint64_t>(v.size());
    write_bytes(v.data(), v.size() * sizeof(T));
  }
  void write_string(std::string_view s);
  void write_strings(const std::vector<std::string>& v);
  /// Flushes, fsyncs and renames the temp file onto the target path.
  void commit();

 private:
  std::filesystem::path path_, tmp_path_;
  std::FILE* f_ = nullptr;
  bool committed_ = false;
};

class BinaryReader {
 public:
  /// Throws kNotFound if the file is missing and kDataLoss if the magic differs or the
  /// version is outside min_version..max_version. min_version 0 means "exactly max_version":
  /// a reader must opt in to older layouts it really knows how to read.
  BinaryReader(std::filesystem::path path, std::string_view magic, uint32_t max_version,
               uint32_t min_version = 0);
  ~BinaryReader();
  BinaryReader(const BinaryReader&) = delete;
  BinaryReader& operator=(const BinaryReader&) = delete;

  const FileHeader& header() const { return header_; }
  uint32_t version() const { return header_.version; }
  uint64_t fingerprint() const { return header_.fingerprint; }

  void read_bytes(void* data, size_t n);
  template <class T>
  T read() {
    static_assert(std::is_trivially_copyable_v<T>);
    T v;
    read_bytes(&v, sizeof(T));
    return v;
  }
  template <class T>
  std::vector<T> read_vector(uint64_t max_elems = (1ull << 36)) {
    auto n = read<uint64_t>();
    check_size(n, max_elems, sizeof(T));
    std::vector<T> v(n);
    read_bytes(v.data(), n * sizeof(T));
    return v;
  }
  std::string read_string();
  std::vector<std::string> read_strings();
  /// Throws kDataLoss if any bytes remain (a file of another layout).
  void expect_end();

 private:
  void check_size(uint64_t n, uint64_t max_elems, size_t elem_size);
  std::filesystem::path path_;
  std::FILE* f_ = nullptr;
  FileHeader header_{};
  uint64_t remaining_ = 0;
};

/// Reads just the header (for staleness checks); returns false if missing or unreadable.
bool peek_header(const std::filesystem::path& path, FileHeader* out);

/// 64-bit FNV-1a, for catalogue fingerprints.
uint64_t fnv1a(const void* data, size_t n, uint64_t seed = 1469598103934665603ull);

}  // namespace muse
