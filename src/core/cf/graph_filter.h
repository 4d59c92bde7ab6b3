#pragma once
/// Graph-filter collaborative filtering (GF-CF, Shen et al. 2021, "How powerful is graph
/// convolution for recommendation?"): with R~ = D_u^-1/2 R D_i^-1/2 the degree-normalised
/// user x item matrix, a query row r scores r R~^T R~ (a linear low-pass filter: symmetric
/// item-item co-occurrence) plus alpha * r D_i^-1/2 V V^T D_i^1/2, V the top `rank` right
/// singular vectors of R~ (an "ideal" low-pass filter that keeps only the smooth part of the
/// item graph). No training loop: one symmetric eigendecomposition over the smaller side.
/// It ranks differently from the factorisations and EASE, which is why it is a blend member.
#include "cf/recommender.h"

namespace muse::cf {

struct GraphFilterConfig {
  int rank = 256;        ///< singular vectors in the ideal filter (0 = linear filter only)
  float alpha = 0.3f;    ///< weight of the ideal filter
  int max_side = 20000;  ///< refuse an eigendecomposition larger than this (dense side^2)
};

class GraphFilter : public Recommender {
 public:
  explicit GraphFilter(GraphFilterConfig config = {}) : config_(config) {}
  std::string name() const override { return "gfcf"; }
  void fit(const Interactions& x, const ProgressFn& progress = {}) override;
  int32_t n_items() const override { return norm_.cols(); }
  void score(std::span<const Query> queries, std::span<float> out) const override;
  /// Singular values kept (descending), for tests and reports.
  const std::vector<float>& singular_values() const { return sigma_; }

 private:
  GraphFilterConfig config_;
  Interactions norm_;                // R~ (users x items)
  Interactions norm_t_;              // R~^T (items x users)
  std::vector<float> inv_sqrt_deg_;  // D_i^-1/2 per item (0 for items nobody has)
  std::vector<float> sqrt_deg_;      // D_i^1/2
  std::vector<float> v_;             // items x rank, row-major: right singular vectors
  std::vector<float> sigma_;
  int rank_ = 0;
};

}  // namespace muse::cf
