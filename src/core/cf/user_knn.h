#pragma once
/// User-based neighbours: a query's cosine similarity to every training row (over the values it
/// is fitted on), its k most similar rows vote for their items with weight sim^exponent. On a
/// small user base (Last.fm: 1.9k users) it errs differently from the item-item models and the
/// factorisations, which is what a blend member is for.
#include "cf/recommender.h"

namespace muse::cf {

struct UserKnnConfig {
  int neighbours = 100;
  float exponent = 1.f;  ///< similarity sharpening: vote weight = sim^exponent
};

class UserKnn : public Recommender {
 public:
  explicit UserKnn(UserKnnConfig config = {}) : config_(config) {}
  std::string name() const override { return "user_knn"; }
  void fit(const Interactions& x, const ProgressFn& progress = {}) override;
  int32_t n_items() const override { return rows_.cols(); }
  void score(std::span<const Query> queries, std::span<float> out) const override;

 private:
  UserKnnConfig config_;
  Interactions rows_;     // training rows scaled to unit L2 norm
  Interactions columns_;  // their transpose (item -> rows)
};

}  // namespace muse::cf
