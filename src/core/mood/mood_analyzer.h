#pragma once
/// Text -> mood: split into sentences, classify each (per-sentence language detection, so a
/// diary mixing English and Korean works), add valence/arousal, and pool the sentences into
/// one emotion distribution weighted by how emotional each sentence is. Neutral is dropped
/// from the pooled distribution when any sentence carries another emotion, as the seed
/// projects do: a diary's neutral filler should not dilute the feeling.
#include <array>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "emotion/emotion_classifier.h"
#include "emotion/va_regressor.h"
#include "text/language.h"

namespace muse::mood {

/// Position of each Ekman label on Russell's valence/arousal circumplex (-1..1 each).
struct VaPoint {
  float valence = 0, arousal = 0;
};
VaPoint emotion_va(int label);

struct SentenceMood {
  std::string text;
  text::Language language = text::Language::kUnknown;
  std::array<float, emotion::kNumLabels> probs{};  ///< per-label probabilities (independent)
  emotion::LabelSet labels = 0;
  std::array<float, emotion::kNumLabels> shares{};  ///< this sentence's emotion mix, sums to 1
  float valence = 0, arousal = 0;  ///< -1..1
  float weight = 0;                ///< share in the pooled mood (emotional intensity)
  bool regressor = false;          ///< valence/arousal used the EmoBank regressor
};

struct MoodAnalysis {
  std::vector<SentenceMood> sentences;
  std::array<float, emotion::kNumLabels> distribution{};  ///< sums to 1
  float valence = 0, arousal = 0;                          ///< -1..1
  text::Language language = text::Language::kUnknown;      ///< most sentences' language
  int skipped_sentences = 0;  ///< sentences without letters or symbols
  /// Label with the largest share.
  int dominant() const;
};

class MoodAnalyzer {
 public:
  static constexpr size_t kMaxSentences = 2000;

  /// `va` may be null: valence/arousal then come from the emotion distribution alone.
  MoodAnalyzer(std::shared_ptr<const emotion::EmotionClassifier> classifier,
               std::shared_ptr<const emotion::VaRegressor> va);

  /// Throws kPayloadTooLarge over 1 MiB, kInvalidArgument for invalid UTF-8, empty text and
  /// text with neither letters nor emoji/symbols.
  MoodAnalysis analyze(std::string_view text) const;
  std::vector<MoodAnalysis> analyze(std::span<const std::string> texts) const;

  /// Pools already-analysed sentences (e.g. every listener sentence of a chat) exactly as
  /// analyze() pools one text's sentences. Throws kInvalidArgument if there are none.
  static MoodAnalysis pool(std::vector<SentenceMood> sentences);

 private:
  static void pool_into(MoodAnalysis& out);
  std::shared_ptr<const emotion::EmotionClassifier> classifier_;
  std::shared_ptr<const emotion::VaRegressor> va_;
};

}  // namespace muse::mood
