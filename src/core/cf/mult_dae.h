#pragma once
/// Denoising autoencoder with a multinomial likelihood (Mult-DAE, Liang et al. 2018,
/// "Variational autoencoders for collaborative filtering"): a user's row, L2-normalised and
/// with input dropout, goes through one tanh layer and back out to a softmax over all items;
/// the loss is the negative log-likelihood of the row's items. Unlike EASE (a linear
/// autoencoder) the hidden layer is non-linear, so it errs differently: a blend member.
/// A query is folded in by one forward pass, so any bag of items can be scored.
#include <Eigen/Core>

#include "cf/recommender.h"

namespace muse::cf {

/// Defaults: the paper's shape (200 hidden, dropout 0.5, Adam 1e-3, batch 256) with the epochs
/// and decay chosen on the Last.fm validation split (docs/continuation.md).
struct MultDaeConfig {
  int hidden = 200;
  int epochs = 70;
  int batch = 256;
  float learning_rate = 1e-3f;  ///< Adam
  float dropout = 0.5f;         ///< input dropout while training
  float weight_decay = 3e-4f;   ///< lambda * sum(w^2) added to the mean per-user loss
  uint64_t seed = 42;
};

class MultDae : public Recommender {
 public:
  explicit MultDae(MultDaeConfig config = {});
  std::string name() const override { return "mult_dae"; }
  void fit(const Interactions& x, const ProgressFn& progress = {}) override;
  int32_t n_items() const override { return static_cast<int32_t>(params_.b2.size()); }
  void score(std::span<const Query> queries, std::span<float> out) const override;
  /// Mean training loss (per user, without the weight penalty) of each epoch, for tests.
  const std::vector<double>& epoch_losses() const { return losses_; }

  using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  struct Params {
    RowMat w1;  ///< items x hidden
    RowMat w2;  ///< hidden x items
    Eigen::RowVectorXf b1, b2;
  };
  const Params& params() const { return params_; }
  /// Mean negative log-likelihood of `rows` reconstructing themselves (no dropout, no weight
  /// penalty) and its gradient: the same backward pass fit() runs, exposed so tests can check
  /// it against finite differences.
  static double loss_and_gradient(const Params& p, std::span<const Query> rows, Params* grad);

 private:
  MultDaeConfig config_;
  Params params_;
  std::vector<double> losses_;
};

}  // namespace muse::cf
