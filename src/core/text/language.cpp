#include "text/language.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

namespace muse::text {

const char* language_code(Language l) {
  switch (l) {
    case Language::kEnglish: return "en";
    case Language::kKorean: return "ko";
    case Language::kUnknown: break;
  }
  return "unknown";
}

Language language_from_code(std::string_view code) {
  if (code == "en") return Language::kEnglish;
  if (code == "ko") return Language::kKorean;
  return Language::kUnknown;
}

bool is_hangul(char32_t c) {
  return (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0x1100 && c <= 0x11FF) ||
         (c >= 0x3130 && c <= 0x318F) || (c >= 0xA960 && c <= 0xA97F) || (c >= 0xD7B0 && c <= 0xD7FF);
}

ScriptCounts count_scripts(std::string_view s) {
  ScriptCounts n;
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  int32_t i = 0, len = static_cast<int32_t>(s.size());
  while (i < len) {
    UChar32 c;
    if (p[i] < 0x80) {
      c = p[i++];
      if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
        ++n.latin;
      } else if (c >= '0' && c <= '9') {
        ++n.digits;
      }
      continue;
    }
    U8_NEXT(p, i, len, c);
    if (c < 0) continue;
    if (is_hangul(static_cast<char32_t>(c))) {
      ++n.hangul;
    } else if (u_isalpha(c)) {
      UErrorCode st = U_ZERO_ERROR;
      if (uscript_getScript(c, &st) == USCRIPT_LATIN) {
        ++n.latin;
      } else {
        ++n.other;
      }
    } else if (u_isdigit(c)) {
      ++n.digits;
    } else if (u_charType(c) == U_OTHER_SYMBOL) {
      ++n.symbols;
    }
  }
  return n;
}

Language detect_language(const ScriptCounts& n) {
  int letters = n.letters();
  if (letters == 0) return Language::kUnknown;
  if (n.hangul * 10 >= letters * 3) return Language::kKorean;
  if (n.latin * 2 >= letters) return Language::kEnglish;
  return Language::kUnknown;
}

Language detect_language(std::string_view utf8) { return detect_language(count_scripts(utf8)); }

}  // namespace muse::text
