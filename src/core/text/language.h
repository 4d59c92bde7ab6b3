#pragma once
/// Script-based language guess for routing text to the English or Korean model: Korean is
/// written in Hangul, so the share of Hangul among letters decides; this is exact enough for
/// the two languages Muse models and costs one pass over the bytes.
#include <cstdint>
#include <string_view>

namespace muse::text {

enum class Language : uint8_t { kUnknown = 0, kEnglish = 1, kKorean = 2 };

/// "en", "ko" or "unknown".
const char* language_code(Language l);
/// Parses "en"/"ko"; kUnknown otherwise.
Language language_from_code(std::string_view code);

struct ScriptCounts {
  int hangul = 0;  ///< Hangul syllables and jamo
  int latin = 0;   ///< Latin letters
  int other = 0;   ///< letters of other scripts
  int digits = 0;
  int symbols = 0;  ///< emoji and other symbols
  int letters() const { return hangul + latin + other; }
};

/// Counts code points by script. Input must be valid UTF-8.
ScriptCounts count_scripts(std::string_view utf8);

/// kKorean if at least 30% of the letters are Hangul, kEnglish if at least half are Latin,
/// kUnknown if there are no letters or another script dominates.
Language detect_language(std::string_view utf8);
Language detect_language(const ScriptCounts& counts);

/// True for Hangul syllables, jamo and compatibility jamo.
bool is_hangul(char32_t c);

}  // namespace muse::text
