#pragma once
/// Evaluation metrics: multi-label F1 (per label, macro and micro, as scikit-learn computes
/// them with zero_division=0) and Pearson correlation.
#include <array>
#include <cstdint>
#include <span>

#include "emotion/labels.h"

namespace muse::emotion {

struct F1Report {
  size_t n = 0;
  double macro_f1 = 0, micro_f1 = 0;
  std::array<double, kNumLabels> f1{}, precision{}, recall{};
  std::array<int64_t, kNumLabels> support{}, predicted{};
};

/// gold and pred must have the same length. A label with no true and no predicted positives
/// scores F1 = 0 (scikit-learn's zero_division=0).
F1Report multilabel_f1(std::span<const LabelSet> gold, std::span<const LabelSet> pred);

/// Pearson r; 0 if either side has zero variance.
double pearson(std::span<const float> a, std::span<const float> b);

}  // namespace muse::emotion
