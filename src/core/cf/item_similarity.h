#pragma once
/// What item-kNN and RP3beta share: an item x item matrix built as a sparse two-hop product
/// (item -> user -> item) pruned to each row's best neighbours, and scoring a query as the
/// weighted sum of its items' rows. Only the edge weights differ between the two models.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "cf/recommender.h"

namespace muse::cf {

/// Row i of the result holds the `neighbours` largest values of edge(i, j, Σ_u left[i][u] ·
/// right[u][j]) over the j reached in two hops (ties by item id); edge returns NaN to drop j.
template <class Edge>
Interactions top_neighbour_product(const Interactions& left, const Interactions& right,
                                   int neighbours, Edge edge, const char* stage,
                                   const ProgressFn& progress) {
  const int32_t n = left.rows(), cols = right.cols();
  std::vector<std::vector<Triplet>> rows(n);
  std::atomic<int64_t> done{0};
#pragma omp parallel
  {
    std::vector<float> acc(cols, 0.f);
    std::vector<int32_t> touched;
    std::vector<ScoredItem> cand;
#pragma omp for schedule(dynamic, 64)
    for (int32_t i = 0; i < n; ++i) {
      touched.clear();
      auto us = left.row_indices(i);
      auto uw = left.row_values(i);
      for (size_t a = 0; a < us.size(); ++a) {
        auto js = right.row_indices(us[a]);
        auto jw = right.row_values(us[a]);
        for (size_t c = 0; c < js.size(); ++c) {
          if (acc[js[c]] == 0.f) touched.push_back(js[c]);
          acc[js[c]] += uw[a] * jw[c];
        }
      }
      cand.clear();
      for (int32_t j : touched) {
        float w = edge(i, j, acc[j]);
        if (!std::isnan(w)) cand.push_back({j, w});
        acc[j] = 0.f;
      }
      size_t keep = std::min<size_t>(cand.size(), static_cast<size_t>(neighbours));
      std::partial_sort(cand.begin(), cand.begin() + keep, cand.end(), [](auto& l, auto& r) {
        return l.score != r.score ? l.score > r.score : l.item < r.item;
      });
      rows[i].reserve(keep);
      for (size_t k = 0; k < keep; ++k) rows[i].push_back({i, cand[k].item, cand[k].score});
      int64_t d = ++done;
      if ((d & 1023) == 0) report(progress, stage, d, n);
    }
  }
  std::vector<Triplet> all;
  for (auto& r : rows) all.insert(all.end(), r.begin(), r.end());
  report(progress, stage, n, n);
  return Interactions::from_triplets(n, cols, std::move(all));
}

/// out[q · n + j] = Σ_s value_s · sim[item_s][j]: a query scored against an item x item matrix.
void score_by_similarity(const Interactions& sim, std::span<const Query> queries,
                         std::span<float> out);

}  // namespace muse::cf
