#pragma once
/// One exception type for the whole core. Layers above map ErrorCode to an HTTP status
/// or a CLI exit code in exactly one place each, so every failure reaches users the same way.
#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace muse {

enum class ErrorCode {
  kInvalidArgument,    ///< the caller sent something malformed or out of range (400)
  kNotFound,           ///< an id, file or route that does not exist (404)
  kUnauthenticated,    ///< missing or bad credentials (401)
  kPermissionDenied,   ///< authenticated, but not allowed (403)
  kConflict,           ///< state conflict, e.g. a duplicate (409)
  kPayloadTooLarge,    ///< input over a size limit (413)
  kResourceExhausted,  ///< rate limited (429)
  kUnavailable,        ///< not ready yet: model not trained, store down (503)
  kDataLoss,           ///< a stored file is corrupt, truncated or of another version
  kInternal,           ///< a bug: an invariant did not hold (500)
};

/// Stable snake_case name, used in JSON errors ("invalid_argument", ...).
const char* error_code_name(ErrorCode code);

class MuseError : public std::runtime_error {
 public:
  MuseError(ErrorCode code, std::string message, const char* file = nullptr, int line = 0);
  ErrorCode code() const { return code_; }
  /// "file.cpp:123" where it was thrown, for logs (never shown to API users).
  const std::string& where() const { return where_; }

 private:
  ErrorCode code_;
  std::string where_;
};

}  // namespace muse

#define MUSE_THROW(code, ...) \
  throw ::muse::MuseError((code), ::fmt::format(__VA_ARGS__), __FILE__, __LINE__)

/// Invariant check: failure is a bug in Muse.
#define MUSE_CHECK(cond, ...)                                            \
  do {                                                                   \
    if (!(cond)) MUSE_THROW(::muse::ErrorCode::kInternal, __VA_ARGS__); \
  } while (0)

/// Argument check: failure is the caller's mistake.
#define MUSE_CHECK_ARG(cond, ...)                                               \
  do {                                                                          \
    if (!(cond)) MUSE_THROW(::muse::ErrorCode::kInvalidArgument, __VA_ARGS__); \
  } while (0)
