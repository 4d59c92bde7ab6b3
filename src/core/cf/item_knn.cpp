#include "cf/item_knn.h"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "util/error.h"

namespace muse::cf {

void ItemKnn::fit(const Interactions& x, const ProgressFn& progress) {
  MUSE_CHECK_ARG(config_.neighbours >= 1, "item-kNN needs at least 1 neighbour");
  Interactions items = x.transpose();  // item x user
  if (config_.bm25) {
    items = bm25_weight(items, config_.k1, config_.b);
  } else {
    items = items.map_values([](float) { return 1.f; });
    for (int32_t i = 0; i < items.rows(); ++i) {
      float norm = std::sqrt(static_cast<float>(std::max<int64_t>(1, items.row_size(i))));
      auto vals = items.row_values(i);
      for (auto& v : std::span<float>(const_cast<float*>(vals.data()), vals.size())) v /= norm;
    }
  }
  Interactions users = items.transpose();  // user x item, weighted
  const int32_t n = items.rows();
  std::vector<std::vector<Triplet>> rows(n);
  std::atomic<int64_t> done{0};
#pragma omp parallel
  {
    std::vector<float> acc(n, 0.f);
    std::vector<int32_t> touched;
#pragma omp for schedule(dynamic, 64)
    for (int32_t i = 0; i < n; ++i) {
      touched.clear();
      auto us = items.row_indices(i);
      auto uw = items.row_values(i);
      for (size_t a = 0; a < us.size(); ++a) {
        auto js = users.row_indices(us[a]);
        auto jw = users.row_values(us[a]);
        for (size_t c = 0; c < js.size(); ++c) {
          if (acc[js[c]] == 0.f) touched.push_back(js[c]);
          acc[js[c]] += uw[a] * jw[c];
        }
      }
      std::vector<ScoredItem> cand;
      cand.reserve(touched.size());
      for (int32_t j : touched) {
        if (acc[j] != 0.f) cand.push_back({j, acc[j]});
        acc[j] = 0.f;
      }
      size_t keep = std::min<size_t>(cand.size(), static_cast<size_t>(config_.neighbours));
      std::partial_sort(cand.begin(), cand.begin() + keep, cand.end(), [](auto& l, auto& r) {
        return l.score != r.score ? l.score > r.score : l.item < r.item;
      });
      rows[i].reserve(keep);
      for (size_t k = 0; k < keep; ++k) rows[i].push_back({i, cand[k].item, cand[k].score});
      int64_t d = ++done;
      if ((d & 1023) == 0) report(progress, "item-knn", d, n);
    }
  }
  std::vector<Triplet> all;
  for (auto& r : rows) all.insert(all.end(), r.begin(), r.end());
  sim_ = Interactions::from_triplets(n, n, std::move(all));
  report(progress, "item-knn", n, n);
}

void ItemKnn::score(std::span<const Query> queries, std::span<float> out) const {
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
