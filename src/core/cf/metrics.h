#pragma once
/// Ranking metrics with binary relevance, as in the Melon / RecSys playlist challenges.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

namespace muse::cf {

/// nDCG@k: DCG = sum over the first k ranks of rel_i / log2(i + 2) (i from 0), divided by the
/// ideal DCG over min(n_relevant, k) ranks. `hits[i]` is 1 if the i-th ranked item is relevant.
/// Returns 0 when n_relevant is 0.
double ndcg(std::span<const char> hits, size_t n_relevant, size_t k);

/// Hits of `ranked` (first k, duplicates counted once) against `relevant`.
template <class T, class Set>
std::vector<char> hit_vector(const std::vector<T>& ranked, const Set& relevant, size_t k) {
  std::vector<char> hits;
  std::unordered_set<T> seen;
  for (size_t i = 0; i < ranked.size() && hits.size() < k; ++i) {
    if (!seen.insert(ranked[i]).second) continue;
    hits.push_back(relevant.count(ranked[i]) ? 1 : 0);
  }
  return hits;
}

/// Recall@k = relevant items among the first k / n_relevant (0 when n_relevant is 0).
double recall(std::span<const char> hits, size_t n_relevant);

/// One user's hold-out figures at cut-off k. Held-out items < 0 stand for items never seen in
/// training ("cold"): no CF model can rank them, yet they count as relevant, so `ndcg_cap` (the
/// best nDCG any ranking of training items can reach) says how much of the gap is the split's.
/// The `_warm` figures treat only warm held-out items as relevant (0 when there are none).
struct HoldoutScore {
  double ndcg = 0, recall = 0, ndcg_cap = 0, ndcg_warm = 0, recall_warm = 0;
  size_t warm = 0;  ///< held-out items seen in training
};
HoldoutScore holdout_score(std::span<const int32_t> ranked, const std::unordered_set<int32_t>& held,
                           size_t k);

}  // namespace muse::cf
