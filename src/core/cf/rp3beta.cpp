#include "cf/rp3beta.h"

#include <algorithm>
#include <atomic>
#include <cmath>

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
  std::vector<std::vector<Triplet>> rows(n);
  std::atomic<int64_t> done{0};
#pragma omp parallel
  {
    std::vector<float> acc(n, 0.f);
    std::vector<int32_t> touched;
    std::vector<ScoredItem> cand;
#pragma omp for schedule(dynamic, 64)
    for (int32_t i = 0; i < n; ++i) {
      touched.clear();
      auto us = p_iu.row_indices(i);
      auto uw = p_iu.row_values(i);
      for (size_t a = 0; a < us.size(); ++a) {
        auto js = p_ui.row_indices(us[a]);
        auto jw = p_ui.row_values(us[a]);
        for (size_t c = 0; c < js.size(); ++c) {
          if (acc[js[c]] == 0.f) touched.push_back(js[c]);
          acc[js[c]] += uw[a] * jw[c];
        }
      }
      cand.clear();
      for (int32_t j : touched) {
        if (j != i && acc[j] > 0.f) cand.push_back({j, acc[j] * penalty[j]});
        acc[j] = 0.f;
      }
      size_t keep = std::min<size_t>(cand.size(), static_cast<size_t>(config_.neighbours));
      std::partial_sort(cand.begin(), cand.begin() + keep, cand.end(), [](auto& l, auto& r) {
        return l.score != r.score ? l.score > r.score : l.item < r.item;
      });
      rows[i].reserve(keep);
      for (size_t k = 0; k < keep; ++k) rows[i].push_back({i, cand[k].item, cand[k].score});
      int64_t d = ++done;
      if ((d & 1023) == 0) report(progress, "rp3beta", d, n);
    }
  }
  std::vector<Triplet> all;
  for (auto& r : rows) all.insert(all.end(), r.begin(), r.end());
  sim_ = Interactions::from_triplets(n, n, std::move(all));
  report(progress, "rp3beta", n, n);
}

void Rp3Beta::score(std::span<const Query> queries, std::span<float> out) const {
  const size_t n = static_cast<size_t>(sim_.rows());
  MUSE_CHECK(out.size() == queries.size() * n, "score buffer size");
#pragma omp parallel for schedule(dynamic, 4) if (queries.size() > 1)
  for (size_t q = 0; q < queries.size(); ++q) {
    float* o = out.data() + q * n;
    std::fill(o, o + n, 0.f);
    const auto& qu = queries[q];
    for (size_t s = 0; s < qu.items.size(); ++s) {
      int32_t i = qu.items[s];
      if (i < 0 || static_cast<size_t>(i) >= n) continue;
      float w = qu.value(s);
      auto js = sim_.row_indices(i);
      auto vs = sim_.row_values(i);
      for (size_t k = 0; k < js.size(); ++k) o[js[k]] += w * vs[k];
    }
  }
}

}  // namespace muse::cf
