#include "cf/metrics.h"

#include <algorithm>
#include <cmath>

namespace muse::cf {

double ndcg(std::span<const char> hits, size_t n_relevant, size_t k) {
  if (n_relevant == 0 || k == 0) return 0;
  double dcg = 0, idcg = 0;
  for (size_t i = 0; i < std::min(hits.size(), k); ++i)
    if (hits[i]) dcg += 1.0 / std::log2(static_cast<double>(i) + 2.0);
  for (size_t i = 0; i < std::min(n_relevant, k); ++i)
    idcg += 1.0 / std::log2(static_cast<double>(i) + 2.0);
  return dcg / idcg;
}

double recall(std::span<const char> hits, size_t n_relevant) {
  if (n_relevant == 0) return 0;
  size_t h = 0;
  for (char c : hits) h += c ? 1 : 0;
  return static_cast<double>(h) / static_cast<double>(n_relevant);
}

}  // namespace muse::cf
