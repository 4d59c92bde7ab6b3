#include "emotion/metrics.h"

#include <cmath>

#include "util/error.h"

namespace muse::emotion {

F1Report multilabel_f1(std::span<const LabelSet> gold, std::span<const LabelSet> pred) {
  MUSE_CHECK_ARG(gold.size() == pred.size(), "{} gold label sets but {} predictions", gold.size(),
                 pred.size());
  F1Report r;
  r.n = gold.size();
  std::array<int64_t, kNumLabels> tp{}, fp{}, fn{};
  for (size_t i = 0; i < gold.size(); ++i) {
    for (int l = 0; l < kNumLabels; ++l) {
      bool g = gold[i] >> l & 1, p = pred[i] >> l & 1;
      tp[l] += g && p;
      fp[l] += !g && p;
      fn[l] += g && !p;
    }
  }
  int64_t TP = 0, FP = 0, FN = 0;
  for (int l = 0; l < kNumLabels; ++l) {
    r.support[l] = tp[l] + fn[l];
    r.predicted[l] = tp[l] + fp[l];
    r.precision[l] = r.predicted[l] ? static_cast<double>(tp[l]) / r.predicted[l] : 0.0;
    r.recall[l] = r.support[l] ? static_cast<double>(tp[l]) / r.support[l] : 0.0;
    int64_t denom = 2 * tp[l] + fp[l] + fn[l];
    r.f1[l] = denom ? 2.0 * tp[l] / denom : 0.0;
    r.macro_f1 += r.f1[l] / kNumLabels;
    TP += tp[l];
    FP += fp[l];
    FN += fn[l];
  }
  int64_t denom = 2 * TP + FP + FN;
  r.micro_f1 = denom ? 2.0 * TP / denom : 0.0;
  return r;
}

double pearson(std::span<const float> a, std::span<const float> b) {
  MUSE_CHECK_ARG(a.size() == b.size(), "pearson: {} vs {} values", a.size(), b.size());
  const size_t n = a.size();
  if (n < 2) return 0.0;
  double ma = 0, mb = 0;
  for (size_t i = 0; i < n; ++i) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; ++i) {
    double da = a[i] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa <= 0 || sbb <= 0) return 0.0;
  return sab / std::sqrt(saa * sbb);
}

}  // namespace muse::emotion
