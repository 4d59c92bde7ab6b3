#include "cf/item_similarity.h"

#include "util/error.h"

namespace muse::cf {

void score_by_similarity(const Interactions& sim, std::span<const Query> queries,
                         std::span<float> out) {
  const size_t n = static_cast<size_t>(sim.rows());
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
      auto js = sim.row_indices(i);
      auto vs = sim.row_values(i);
      for (size_t k = 0; k < js.size(); ++k) o[js[k]] += w * vs[k];
    }
  }
}

}  // namespace muse::cf
