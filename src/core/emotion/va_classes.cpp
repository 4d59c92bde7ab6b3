#include "emotion/va_classes.h"

#include <algorithm>

#include "util/error.h"

namespace muse::emotion {

const char* va_class_name(VaClass c) {
  switch (c) {
    case VaClass::kPositive:
      return "positive";
    case VaClass::kNegativeActive:
      return "negative_active";
    case VaClass::kNegativePassive:
      return "negative_passive";
    case VaClass::kNeutral:
      return "neutral";
  }
  return "?";
}

VaClass va_class_of_ratings(float valence, float arousal) {
  if (valence >= 3.3f) return VaClass::kPositive;
  if (valence <= 2.7f)
    return arousal >= 3.0f ? VaClass::kNegativeActive : VaClass::kNegativePassive;
  return VaClass::kNeutral;
}

VaClass va_class_of_prediction(LabelSet decided, const std::array<float, kNumLabels>& probs,
                               const std::array<float, kNumLabels>& thresholds) {
  int best = kNeutral;
  float best_ratio = -1.f;
  for (int l = 0; l < kNumLabels; ++l) {
    if (!(decided >> l & 1)) continue;
    const float r = probs[l] / std::max(thresholds[l], 1e-6f);
    if (r > best_ratio) {
      best_ratio = r;
      best = l;
    }
  }
  switch (static_cast<Emotion>(best)) {
    case Emotion::kJoy:
      return VaClass::kPositive;
    case Emotion::kAnger:
    case Emotion::kDisgust:
    case Emotion::kFear:
      return VaClass::kNegativeActive;
    case Emotion::kSadness:
      return VaClass::kNegativePassive;
    default:
      return VaClass::kNeutral;
  }
}

ClassF1Report va_class_f1(std::span<const VaClass> gold, std::span<const VaClass> pred) {
  MUSE_CHECK_ARG(gold.size() == pred.size(), "gold and predictions differ in length");
  ClassF1Report r;
  r.n = gold.size();
  std::array<int64_t, kNumVaClasses> tp{};
  int64_t right = 0;
  for (size_t i = 0; i < gold.size(); ++i) {
    const int g = static_cast<int>(gold[i]), p = static_cast<int>(pred[i]);
    ++r.support[g];
    ++r.predicted[p];
    if (g == p) {
      ++tp[g];
      ++right;
    }
  }
  for (int c = 0; c < kNumVaClasses; ++c) {
    const int64_t denom = r.support[c] + r.predicted[c];
    r.f1[c] = denom ? 2.0 * tp[c] / static_cast<double>(denom) : 0.0;
    r.macro_f1 += r.f1[c] / kNumVaClasses;
  }
  r.accuracy = r.n ? static_cast<double>(right) / r.n : 0.0;
  return r;
}

}  // namespace muse::emotion
