#include "storage/records.h"

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace muse::storage {

std::string emotions_to_json(const std::map<std::string, double>& e) {
  return nlohmann::json(e).dump();
}

std::map<std::string, double> emotions_from_json(const std::string& s, int64_t row_id) {
  try {
    return nlohmann::json::parse(s).get<std::map<std::string, double>>();
  } catch (const std::exception& ex) {
    MUSE_THROW(ErrorCode::kDataLoss, "mood row {} has unreadable emotions: {}", row_id, ex.what());
  }
}

void check_limit(int limit) {
  MUSE_CHECK_ARG(limit >= 1 && limit <= 10000, "limit must be between 1 and 10000, got {}", limit);
}

void check_language(const std::string& language) {
  bool ok = language.size() <= 16;
  for (char c : language) {
    ok = ok &&
         ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-');
  }
  MUSE_CHECK_ARG(ok, "language must be a short tag like 'en' or 'ko'");
}

}  // namespace muse::storage
