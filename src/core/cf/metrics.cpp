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

HoldoutScore holdout_score(std::span<const int32_t> ranked, const std::unordered_set<int32_t>& held,
                           size_t k) {
  HoldoutScore s;
  for (int32_t i : held) s.warm += i >= 0 ? 1 : 0;
  std::vector<int32_t> r(ranked.begin(), ranked.end());
  auto hits = hit_vector(r, held, k);
  s.ndcg = ndcg(hits, held.size(), k);
  s.recall = recall(hits, std::min(held.size(), k));
  s.ndcg_warm = ndcg(hits, s.warm, k);
  s.recall_warm = recall(hits, std::min(s.warm, k));
  std::vector<char> ideal(std::min(s.warm, k), 1);
  s.ndcg_cap = ndcg(ideal, held.size(), k);
  return s;
}

}  // namespace muse::cf
