#pragma once
/// Item-item neighbours from co-occurrence: the item x user matrix is BM25-weighted (users
/// who touch everything count less, long item columns are normalised), similarities are
/// dot products of those columns, and each item keeps its k best neighbours.
#include "cf/recommender.h"

namespace muse::cf {

struct ItemKnnConfig {
  int neighbours = 100;
  float k1 = 1.2f;
  float b = 0.75f;
  bool bm25 = true;  ///< false: plain cosine of binary columns
};

class ItemKnn : public Recommender {
 public:
  explicit ItemKnn(ItemKnnConfig config = {}) : config_(config) {}
  std::string name() const override { return "item_knn"; }
  void fit(const Interactions& x, const ProgressFn& progress = {}) override;
  int32_t n_items() const override { return sim_.rows(); }
  void score(std::span<const Query> queries, std::span<float> out) const override;
  /// The item x item neighbour matrix (row i = neighbours of i).
  const Interactions& similarities() const { return sim_; }

 private:
  ItemKnnConfig config_;
  Interactions sim_;
};

}  // namespace muse::cf
