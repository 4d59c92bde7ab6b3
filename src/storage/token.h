#pragma once
/// API tokens shared by both backends. A token is "mt_<token id>_<secret>": the token id
/// (16 hex) is stored in clear and indexed so lookup is one row; the secret (64 hex, 256 bits
/// from the kernel CSPRNG) is stored only as SHA-256(salt || secret) with a per-listener salt.
#include <optional>
#include <string>

namespace muse::storage {

struct TokenParts {
  std::string token_id;
  std::string secret;
};

struct IssuedToken {
  std::string token;                 ///< give to the listener once
  std::string token_id, salt, hash;  ///< store these
};

IssuedToken issue_token();
/// Splits a token; nullopt if it is not of the expected shape.
std::optional<TokenParts> parse_token(const std::string& token);
std::string hash_secret(const std::string& salt, const std::string& secret);
/// Recomputes and compares in constant time.
bool verify_secret(const std::string& salt, const std::string& secret,
                   const std::string& stored_hash);
/// Hashes against a fixed salt so unknown token ids cost the same time as known ones.
void burn_verify(const std::string& secret);

/// Validates a display name (UTF-8, no NUL, <= 256 bytes); throws kInvalidArgument.
void validate_listener_name(const std::string& name);

}  // namespace muse::storage
