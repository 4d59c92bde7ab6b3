#include "cf/item_knn.h"

#include <algorithm>
#include <cmath>

#include "cf/item_similarity.h"
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
  sim_ = top_neighbour_product(
      items, users, config_.neighbours,
      [](int32_t, int32_t, float v) { return v != 0.f ? v : std::nanf(""); }, "item-knn", progress);
}

void ItemKnn::score(std::span<const Query> queries, std::span<float> out) const {
  score_by_similarity(sim_, queries, out);
}

}  // namespace muse::cf
