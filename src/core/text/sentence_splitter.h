#pragma once
/// Splits free text (a diary entry) into sentences: ICU's sentence break rules (which also
/// break at line ends), then a Korean rule for unpunctuated runs — a word ending in a
/// sentence-final ending (…다, …요, …죠, …까) followed by more words starts a new sentence,
/// because Korean chat and diary text often omits the full stop.
#include <string>
#include <string_view>
#include <vector>

namespace muse::text {

struct Sentence {
  std::string text;  ///< trimmed
  size_t begin = 0;  ///< byte offset in the input
  size_t end = 0;
};

/// Input must be valid UTF-8 (see check_text). Whitespace-only pieces are dropped; at most
/// `max_sentences` are returned (the rest is merged into the last one).
std::vector<Sentence> split_sentences(std::string_view text, size_t max_sentences = 1000);

}  // namespace muse::text
