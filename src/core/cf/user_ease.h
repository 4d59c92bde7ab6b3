#pragma once
/// User-side EASE: each user's row is a ridge regression on the other users' rows,
/// W = -P / diag(P) with P = (X X^T + lambda I)^-1 and a zero diagonal (EASE on the transpose).
/// Where EASE links items, this links listeners, so on a small user base it errs differently
/// from the item models; it is dense in the user count, so it refuses large user bases.
///
/// A query whose item set equals a training row is that user (its own weight stays 0). Any
/// other bag of items q is regressed on all training rows: w = P X q.
#include "cf/recommender.h"

namespace muse::cf {

struct UserEaseConfig {
  float lambda = 50.f;
  int max_users = 10000;  ///< refuse larger problems (fitting holds 2 x users^2 doubles)
};

class UserEase : public Recommender {
 public:
  explicit UserEase(UserEaseConfig config = {}) : config_(config) {}
  std::string name() const override { return "user_ease"; }
  void fit(const Interactions& x, const ProgressFn& progress = {}) override;
  int32_t n_items() const override { return rows_.cols(); }
  void score(std::span<const Query> queries, std::span<float> out) const override;

 private:
  UserEaseConfig config_;
  Interactions rows_;      // the training rows
  Interactions columns_;   // their transpose (item -> rows)
  std::vector<double> p_;  // users x users, row-major: (X X^T + lambda I)^-1
  TrainingRows training_rows_;
};

}  // namespace muse::cf
