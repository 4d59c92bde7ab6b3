#pragma once
/// Coarse affect classes for out-of-domain checks where only valence/arousal ratings exist
/// (EmoBank): a text's class from its ratings, and an Ekman prediction's class, so an emotion
/// classifier trained on one corpus can be scored on another without shared label sets.
#include <array>
#include <cstdint>
#include <span>

#include "emotion/labels.h"

namespace muse::emotion {

inline constexpr int kNumVaClasses = 4;
enum class VaClass : uint8_t { kPositive = 0, kNegativeActive, kNegativePassive, kNeutral };
const char* va_class_name(VaClass c);

/// From EmoBank ratings (1..5): V >= 3.3 positive; V <= 2.7 negative, active if A >= 3.0 else
/// passive; anything else neutral. 3.3/2.7 = the scale midpoint ± about one SD of V.
VaClass va_class_of_ratings(float valence, float arousal);

/// From an Ekman prediction: among the decided labels the one with the largest
/// probability/threshold ratio; joy -> positive, anger/disgust/fear -> negative active,
/// sadness -> negative passive, neutral and surprise (either valence) -> neutral.
VaClass va_class_of_prediction(LabelSet decided, const std::array<float, kNumLabels>& probs,
                               const std::array<float, kNumLabels>& thresholds);

struct ClassF1Report {
  size_t n = 0;
  double macro_f1 = 0, accuracy = 0;
  std::array<double, kNumVaClasses> f1{};
  std::array<int64_t, kNumVaClasses> support{}, predicted{};
};
/// Single-label multi-class F1 (zero_division=0), macro over the four classes.
ClassF1Report va_class_f1(std::span<const VaClass> gold, std::span<const VaClass> pred);

}  // namespace muse::emotion
