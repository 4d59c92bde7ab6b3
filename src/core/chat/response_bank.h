#pragma once
/// Muse's chat replies come from a bank of (prompt, reply, emotion) entries rather than a
/// generative model: the reply to the prompt most like the listener's message, preferring
/// replies written for the message's dominant emotion. Prompts are indexed with the same
/// hashed n-gram featuriser as the emotion models, so lookups need no vocabulary and work for
/// Korean inflection and typos; scoring all entries is one sparse pass (inverted index).
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "emotion/labels.h"
#include "text/featurizer.h"
#include "text/language.h"

namespace muse::chat {

struct Response {
  std::string prompt;              ///< what a listener might say (a question / statement)
  std::string reply;               ///< what Muse answers
  emotion::LabelSet emotions = 0;  ///< labels this reply suits (0 = any)
  text::Language language = text::Language::kEnglish;
};

/// Which entry was chosen and why (for tests and the reply JSON).
struct ReplyChoice {
  size_t index = 0;
  float similarity = 0;  ///< cosine of message and prompt n-gram vectors, 0..1
  float agreement = 0;   ///< emotion agreement, 0..1
  float score = 0;       ///< similarity + kEmotionWeight * agreement
};

class ResponseBank {
 public:
  /// Score = similarity + kEmotionWeight * agreement, where agreement is the message's share
  /// of the response's best-matching label divided by the message's dominant share (1 when
  /// the response was written for the dominant emotion). A near-identical prompt (sim ~1)
  /// still wins over an emotion-only match; among unrelated prompts the emotion decides.
  static constexpr float kEmotionWeight = 0.3f;
  /// Entries within this score of the best are ties; the seed picks among them, so the same
  /// conversation turn always gets the same reply while repeated messages can vary.
  static constexpr float kTieMargin = 0.02f;
  static constexpr size_t kMaxEntries = 200000;

  explicit ResponseBank(std::vector<Response> entries);

  /// English bank: `emotion<TAB>prompt<TAB>reply` per line; '#' lines and blank lines are
  /// skipped; emotion is an Ekman label name or "any". Throws kInvalidArgument naming the
  /// file and line for a malformed row, kUnavailable if the file is missing.
  static ResponseBank load_tsv(const std::filesystem::path& path, text::Language language);
  /// Korean chatbot pairs (songys/Chatbot_data): CSV `Q,A,label`, label 0 neutral,
  /// 1 negative (anger/disgust/fear/sadness), 2 positive (joy). Throws kUnavailable naming
  /// the file and where to get it when missing, kInvalidArgument for a malformed row.
  static ResponseBank load_korean_csv(const std::filesystem::path& path);

  /// Picks the reply for `message` (valid UTF-8) among the entries in `language` (all
  /// entries if the bank has none in it). `message_emotions` is the message's pooled emotion
  /// distribution. Throws kUnavailable if the bank is empty.
  ReplyChoice choose(std::string_view message,
                     const std::array<float, emotion::kNumLabels>& message_emotions,
                     text::Language language, uint64_t seed) const;
  /// The chosen entry's reply text.
  const std::string& reply(std::string_view message,
                           const std::array<float, emotion::kNumLabels>& message_emotions,
                           text::Language language, uint64_t seed) const;

  size_t size() const { return entries_.size(); }
  const Response& entry(size_t i) const { return entries_.at(i); }
  size_t count(text::Language language) const;

  /// Featuriser settings per language (Korean uses shorter character n-grams).
  static text::FeatureConfig feature_config(text::Language language);

 private:
  /// Sparse n-gram vector of the text, sorted by bucket, duplicates merged (not weighted).
  void vectorize(std::string_view text, text::Language language, std::vector<uint32_t>& ids,
                 std::vector<float>& values) const;

  /// Multiplies by the prompts' IDF and scales to unit length.
  void weigh(const std::vector<uint32_t>& ids, std::vector<float>& values) const;

  std::vector<Response> entries_;
  std::vector<float> idf_;  ///< per bucket
  text::Featurizer en_features_, ko_features_;
  // Inverted index (CSR over buckets): postings of bucket b are [offsets_[b], offsets_[b+1]).
  std::vector<uint32_t> offsets_;
  std::vector<uint32_t> post_entry_;
  std::vector<float> post_value_;
};

}  // namespace muse::chat
