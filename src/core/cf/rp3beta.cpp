#include "cf/rp3beta.h"

#include <algorithm>
#include <cmath>

#include "cf/item_similarity.h"
#include "util/error.h"

namespace muse::cf {
namespace {

/// Row-normalised (each row sums to 1) copy of x with values raised to `alpha` afterwards.
Interactions transition(const Interactions& x, float alpha) {
  std::vector<float> sums(x.rows(), 0.f);
  for (int32_t r = 0; r < x.rows(); ++r)
    for (float v : x.row_values(r)) sums[r] += v;
  std::vector<Triplet> t;
  t.reserve(x.nnz());
  for (int32_t r = 0; r < x.rows(); ++r) {
    auto idx = x.row_indices(r);
    auto val = x.row_values(r);
    for (size_t k = 0; k < idx.size(); ++k) {
      float p = sums[r] > 0 ? val[k] / sums[r] : 0.f;
      t.push_back({r, idx[k], alpha == 1.f ? p : std::pow(p, alpha)});
    }
  }
  return Interactions::from_triplets(x.rows(), x.cols(), std::move(t));
}

}  // namespace

void Rp3Beta::fit(const Interactions& x, const ProgressFn& progress) {
  MUSE_CHECK_ARG(config_.neighbours >= 1, "RP3beta needs at least 1 neighbour");
  MUSE_CHECK_ARG(config_.alpha > 0 && config_.beta >= 0, "RP3beta needs alpha > 0, beta >= 0");
  for (float v : x.values())
    MUSE_CHECK_ARG(v >= 0 && std::isfinite(v), "RP3beta needs non-negative values");
  const Interactions p_ui = transition(x, config_.alpha);              // user -> item
  const Interactions p_iu = transition(x.transpose(), config_.alpha);  // item -> user
  const int32_t n = x.cols();
  std::vector<float> penalty(n, 0.f);
  auto counts = x.col_counts();
  for (int32_t j = 0; j < n; ++j)
    penalty[j] = counts[j] > 0 ? std::pow(static_cast<float>(counts[j]), -config_.beta) : 0.f;
  sim_ = top_neighbour_product(
      p_iu, p_ui, config_.neighbours,
      [&](int32_t i, int32_t j, float v) {
        return j != i && v > 0.f ? v * penalty[j] : std::nanf("");
      },
      "rp3beta", progress);
}

void Rp3Beta::score(std::span<const Query> queries, std::span<float> out) const {
  score_by_similarity(sim_, queries, out);
}

}  // namespace muse::cf
