#include "util/error.h"

#include <filesystem>

namespace muse {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kPermissionDenied: return "permission_denied";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kPayloadTooLarge: return "payload_too_large";
    case ErrorCode::kResourceExhausted: return "resource_exhausted";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kDataLoss: return "data_loss";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

MuseError::MuseError(ErrorCode code, std::string message, const char* file, int line)
    : std::runtime_error(std::move(message)), code_(code) {
  if (file != nullptr) {
    where_ = std::filesystem::path(file).filename().string() + ":" + std::to_string(line);
  }
}

}  // namespace muse
