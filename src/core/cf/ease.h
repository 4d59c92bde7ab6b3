#pragma once
/// EASE (Steck 2019): a closed-form item-item linear model, B = I - P / diag(P) with
/// P = (X^T X + lambda I)^-1. Dense in the item count, so items seen in fewer than
/// `min_count` rows are left out (they score -inf). With fewer rows than items the inverse is
/// taken over the rows instead (Woodbury identity), which makes 17k-item Last.fm a few seconds.
#include "cf/recommender.h"

namespace muse::cf {

struct EaseConfig {
  float lambda = 500.f;
  int min_count = 2;
  int max_items = 20000;  ///< refuse larger problems (memory is items^2 floats)
  /// Denoising (Steck 2020, "Autoencoders that don't overfit towards the identity", EDLAE):
  /// training with input dropout p adds p/(1-p) * (X^T X)_jj to item j's penalty, so popular
  /// items are shrunk more than a uniform lambda does. 0 = plain EASE; must be < 1.
  float drop = 0.f;
};

class Ease : public Recommender {
 public:
  explicit Ease(EaseConfig config = {}) : config_(config) {}
  std::string name() const override { return "ease"; }
  void fit(const Interactions& x, const ProgressFn& progress = {}) override;
  int32_t n_items() const override { return n_items_; }
  void score(std::span<const Query> queries, std::span<float> out) const override;

 private:
  void fit_by_items(const Interactions& x, const ProgressFn& progress);
  void fit_by_users(const Interactions& x, const ProgressFn& progress);
  EaseConfig config_;
  int32_t n_items_ = 0;
  std::vector<int32_t> kept_;    // dense index -> item
  std::vector<int32_t> slot_;    // item -> dense index or -1
  std::vector<float> b_;         // kept x kept, row-major
  std::vector<double> penalty_;  // per kept item: lambda + drop / (1 - drop) * (X^T X)_jj
};

}  // namespace muse::cf
