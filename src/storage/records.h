#pragma once
/// Row codecs shared by the SQLite and PostgreSQL stores, so both read back the same values.
#include <map>
#include <string>

#include "listeners/feedback.h"

namespace muse::storage {

std::string emotions_to_json(const std::map<std::string, double>& e);
/// Parses what emotions_to_json wrote; throws kDataLoss naming the row on garbage.
std::map<std::string, double> emotions_from_json(const std::string& s, int64_t row_id);
/// Canonical stored form of a context: "" becomes "{}", anything else is kept verbatim.
inline std::string stored_context(const std::string& c) { return c.empty() ? "{}" : c; }
/// Checks a page size argument (1..10000).
void check_limit(int limit);
/// A conversation language tag: "", "en", "ko", "pt-BR" (ASCII letters, digits, '-', <= 16).
void check_language(const std::string& language);

}  // namespace muse::storage
