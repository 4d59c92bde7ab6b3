#pragma once
/// Ranking metrics with binary relevance, as in the Melon / RecSys playlist challenges.
#include <cstddef>
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

}  // namespace muse::cf
