#pragma once
/// SHA-256 (FIPS 180-4), self-contained: used for API-token hashes and for the text hashes
/// kept in mood history (the text itself is never stored). Not for passwords.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace muse {

class Sha256 {
 public:
  Sha256();
  Sha256& update(const void* data, size_t n);
  Sha256& update(std::string_view s) { return update(s.data(), s.size()); }
  std::array<uint8_t, 32> digest();

 private:
  void block(const uint8_t* p);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buf_;
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

/// Lower-case hex SHA-256 of `s`.
std::string sha256_hex(std::string_view s);
std::string to_hex(const uint8_t* p, size_t n);

/// Compares without an early exit, so timing does not reveal the matching prefix length.
bool constant_time_equal(std::string_view a, std::string_view b);

/// `n` bytes from the kernel CSPRNG (getrandom); throws kInternal if unavailable.
std::string random_bytes(size_t n);

}  // namespace muse
