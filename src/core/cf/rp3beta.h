#pragma once
/// RP3beta (Paudel et al. 2016; Dacrema et al. 2019): item-item weights from three-step random
/// walks item -> user -> item, W_ij = sum_u P(u|i)^alpha P(j|u)^alpha / pop_j^beta, each item
/// keeping its k best neighbours. The popularity penalty beta is what makes it beat plain
/// co-occurrence neighbours on long-tailed data such as Last.fm artists.
#include "cf/recommender.h"

namespace muse::cf {

struct Rp3BetaConfig {
  int neighbours = 100;
  float alpha = 1.f;
  float beta = 0.5f;
};

class Rp3Beta : public Recommender {
 public:
  explicit Rp3Beta(Rp3BetaConfig config = {}) : config_(config) {}
  std::string name() const override { return "rp3beta"; }
  void fit(const Interactions& x, const ProgressFn& progress = {}) override;
  int32_t n_items() const override { return sim_.rows(); }
  void score(std::span<const Query> queries, std::span<float> out) const override;

 private:
  Rp3BetaConfig config_;
  Interactions sim_;
};

}  // namespace muse::cf
