#pragma once
/// Byte streams over plain or zstd-compressed files. zstd is detected by its frame magic,
/// not the file name, so a renamed file still reads.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace muse::catalog {

class InputStream {
 public:
  virtual ~InputStream() = default;
  /// Reads up to n bytes; returns 0 at end. Throws kDataLoss on a truncated/corrupt frame.
  virtual size_t read(char* buf, size_t n) = 0;
  /// Bytes of the underlying file consumed so far (for progress) and its total size.
  virtual uint64_t consumed() const = 0;
  virtual uint64_t total() const = 0;
  virtual const std::string& name() const = 0;

  /// Opens `path`; throws kNotFound if it does not exist.
  static std::unique_ptr<InputStream> open(const std::filesystem::path& path);
  /// A stream over an in-memory buffer (tests, HTTP uploads); zstd detected the same way.
  static std::unique_ptr<InputStream> from_string(std::string data, std::string name = "<memory>");
};

/// Reads a whole (possibly compressed) file into memory.
std::string read_all(const std::filesystem::path& path);

}  // namespace muse::catalog
