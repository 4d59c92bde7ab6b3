#include "text/sentence_splitter.h"

#include <unicode/brkiter.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <memory>

#include "text/language.h"
#include "util/error.h"

namespace muse::text {
namespace {

/// One ICU sentence iterator per thread (creating one costs far more than using it).
icu::BreakIterator& sentence_iterator() {
  thread_local std::unique_ptr<icu::BreakIterator> it = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> b(
        icu::BreakIterator::createSentenceInstance(icu::Locale::getRoot(), status));
    MUSE_CHECK(U_SUCCESS(status) && b, "ICU sentence break iterator unavailable: {}",
               u_errorName(status));
    return b;
  }();
  return *it;
}

bool is_space(UChar32 c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || u_isUWhiteSpace(c); }

/// Last code point of s (s non-empty, valid UTF-8), and the one before it.
void last_two(std::string_view s, UChar32& last, UChar32& prev, int& count) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  int32_t i = static_cast<int32_t>(s.size());
  last = prev = 0;
  count = 0;
  while (i > 0 && count < 3) {
    UChar32 c;
    U8_PREV(p, 0, i, c);
    if (count == 0) last = c;
    if (count == 1) prev = c;
    ++count;
  }
}

/// True if `word` ends like a Korean sentence (declarative 다, polite 요/죠, question 까)
/// and is not one of the common words that merely end in those syllables.
bool korean_sentence_final(std::string_view word) {
  UChar32 last, prev;
  int count;
  last_two(word, last, prev, count);
  if (count < 2 || !is_hangul(static_cast<char32_t>(prev))) return false;
  if (last != U'다' && last != U'요' && last != U'죠' && last != U'까') return false;
  static const std::string_view kNotFinal[] = {"보다", "바다", "까지", "마다"};
  for (auto w : kNotFinal) {
    if (word.size() >= w.size() && word.substr(word.size() - w.size()) == w) {
      return false;
    }
  }
  return true;
}

bool has_terminal_punct(std::string_view s) {
  for (char c : s) {
    if (c == '.' || c == '!' || c == '?') return true;
  }
  return false;
}

void emit(std::string_view text, size_t b, size_t e, std::vector<Sentence>& out) {
  // trim whitespace (ASCII and Unicode)
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  while (b < e) {
    int32_t i = static_cast<int32_t>(b);
    UChar32 c;
    U8_NEXT(p, i, static_cast<int32_t>(e), c);
    if (!is_space(c)) break;
    b = static_cast<size_t>(i);
  }
  while (e > b) {
    int32_t i = static_cast<int32_t>(e);
    UChar32 c;
    U8_PREV(p, static_cast<int32_t>(b), i, c);
    if (!is_space(c)) break;
    e = static_cast<size_t>(i);
  }
  if (e > b) out.push_back({std::string(text.substr(b, e - b)), b, e});
}

/// Splits an unpunctuated Korean run at sentence-final word endings.
void split_korean_run(std::string_view text, size_t b, size_t e, std::vector<Sentence>& out) {
  std::string_view seg = text.substr(b, e - b);
  if (has_terminal_punct(seg) || detect_language(seg) != Language::kKorean) {
    emit(text, b, e, out);
    return;
  }
  size_t start = b, i = b;
  while (i < e) {
    while (i < e && (text[i] == ' ' || text[i] == '\t')) ++i;
    size_t w = i;
    while (i < e && text[i] != ' ' && text[i] != '\t') ++i;
    if (i == w) break;
    size_t after = i;
    while (after < e && (text[after] == ' ' || text[after] == '\t')) ++after;
    if (after < e && korean_sentence_final(text.substr(w, i - w))) {
      emit(text, start, i, out);
      start = after;
    }
  }
  emit(text, start, e, out);
}

}  // namespace

std::vector<Sentence> split_sentences(std::string_view text, size_t max_sentences) {
  std::vector<Sentence> out;
  if (text.empty()) return out;
  MUSE_CHECK_ARG(text.size() < (size_t{1} << 31), "text too long to split");
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  icu::BreakIterator& it = sentence_iterator();
  it.setText(u);
  // Walk UTF-16 boundaries and the UTF-8 offsets in step.
  size_t byte = 0;
  int32_t u16 = 0;
  auto advance_to = [&](int32_t target) {
    const auto* p = reinterpret_cast<const uint8_t*>(text.data());
    while (u16 < target && byte < text.size()) {
      int32_t i = static_cast<int32_t>(byte);
      UChar32 c;
      U8_NEXT(p, i, static_cast<int32_t>(text.size()), c);
      byte = static_cast<size_t>(i);
      u16 += U16_LENGTH(c < 0 ? 0xFFFD : c);
    }
  };
  int32_t start16 = it.first();
  for (int32_t end16 = it.next(); end16 != icu::BreakIterator::DONE; end16 = it.next()) {
    advance_to(start16);
    size_t b = byte;
    advance_to(end16);
    size_t e = byte;
    split_korean_run(text, b, e, out);
    start16 = end16;
  }
  if (out.size() > max_sentences) {
    Sentence& last = out[max_sentences - 1];
    last.end = out.back().end;
    last.text = std::string(text.substr(last.begin, last.end - last.begin));
    out.resize(max_sentences);
  }
  return out;
}

}  // namespace muse::text
