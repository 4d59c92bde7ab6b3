#include "storage/token.h"

#include "listeners/feedback.h"
#include "util/error.h"
#include "util/sha256.h"
#include "util/text.h"

namespace muse::storage {

namespace {
std::string random_hex(size_t bytes) {
  std::string r = random_bytes(bytes);
  return to_hex(reinterpret_cast<const uint8_t*>(r.data()), r.size());
}
bool all_hex(const std::string& s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}
}  // namespace

IssuedToken issue_token() {
  IssuedToken t;
  t.token_id = random_hex(8);
  std::string secret = random_hex(32);
  t.salt = random_hex(16);
  t.hash = hash_secret(t.salt, secret);
  t.token = "mt_" + t.token_id + "_" + secret;
  return t;
}

std::optional<TokenParts> parse_token(const std::string& token) {
  // mt_ + 16 + _ + 64
  if (token.size() != 3 + 16 + 1 + 64 || token.compare(0, 3, "mt_") != 0 || token[19] != '_') {
    return std::nullopt;
  }
  TokenParts p{token.substr(3, 16), token.substr(20)};
  if (!all_hex(p.token_id) || !all_hex(p.secret)) return std::nullopt;
  return p;
}

std::string hash_secret(const std::string& salt, const std::string& secret) {
  return sha256_hex(salt + ":" + secret);
}

bool verify_secret(const std::string& salt, const std::string& secret,
                   const std::string& stored_hash) {
  return constant_time_equal(hash_secret(salt, secret), stored_hash);
}

void burn_verify(const std::string& secret) {
  volatile bool r =
      verify_secret("00000000000000000000000000000000", secret,
                    "0000000000000000000000000000000000000000000000000000000000000000");
  (void)r;
}

void validate_listener_name(const std::string& name) {
  MUSE_CHECK_ARG(name.size() <= listeners::kMaxNameBytes,
                 "listener name too long ({} bytes, max {})", name.size(),
                 listeners::kMaxNameBytes);
  MUSE_CHECK_ARG(is_valid_utf8(name), "listener name is not valid UTF-8");
  MUSE_CHECK_ARG(name.find('\0') == std::string::npos, "listener name contains a NUL character");
}

}  // namespace muse::storage
