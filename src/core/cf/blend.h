#pragma once
/// A weighted blend of fitted recommenders: each model's scores are scaled per query to a max
/// of 1 over the items it scores (so weights are comparable), then summed.
#include <functional>
#include <memory>
#include <vector>

#include "cf/recommender.h"

namespace muse::cf {

class Blend : public Recommender {
 public:
  /// `transform` maps interaction values (training matrix and query values) for this member,
  /// e.g. log1p for play counts; empty = unchanged.
  void add(std::unique_ptr<Recommender> model, float weight,
           std::function<float(float)> transform = {});
  std::string name() const override { return "blend"; }
  /// Fits every member on the same matrix.
  void fit(const Interactions& x, const ProgressFn& progress = {}) override;
  int32_t n_items() const override;
  void score(std::span<const Query> queries, std::span<float> out) const override;

 private:
  std::vector<std::unique_ptr<Recommender>> models_;
  std::vector<float> weights_;
  std::vector<std::function<float(float)>> transforms_;
};

}  // namespace muse::cf
