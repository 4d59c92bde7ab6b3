#pragma once
/// Variational autoencoder with a multinomial likelihood (Mult-VAE, Liang et al. 2018): the
/// user's row, L2-normalised with input dropout, is encoded to a Gaussian over a latent vector
/// (mean and log-variance), a sample of it is decoded to a softmax over all items, and the loss
/// is the multinomial NLL plus beta x the KL divergence to N(0, I), beta annealed from 0 to its
/// cap. The KL term regularises the code where Mult-DAE relies on weight decay alone. On the
/// 1.9k Last.fm users it does not beat Mult-DAE (docs/continuation.md); it stays as a method to
/// score on other data. A query is folded in by one pass through the mean.
#include <Eigen/Core>
#include <vector>

#include "cf/recommender.h"

namespace muse::cf {

/// The paper's shape is [items - 600 - 200 - 600 - items] (hidden 600, latent 200); hidden 0
/// drops the tanh layers: a linear encoder to the latent and a linear decoder from it.
struct MultVaeConfig {
  int hidden = 600;  ///< width of the tanh layer in the encoder and in the decoder; 0: none
  int latent = 200;
  int epochs = 100;
  int batch = 256;
  float learning_rate = 1e-3f;  ///< Adam
  float dropout = 0.5f;         ///< input dropout while training
  float beta = 0.2f;            ///< cap of the KL weight
  float anneal = 1.f;        ///< share of all updates over which the KL weight rises from 0 to beta
  float weight_decay = 0.f;  ///< lambda * sum(w^2) added to the mean per-user loss
  uint64_t seed = 42;
};

class MultVae : public Recommender {
 public:
  explicit MultVae(MultVaeConfig config = {});
  std::string name() const override { return "mult_vae"; }
  void fit(const Interactions& x, const ProgressFn& progress = {}) override;
  int32_t n_items() const override {
    return params_.b.empty() ? 0 : static_cast<int32_t>(params_.b.back().size());
  }
  void score(std::span<const Query> queries, std::span<float> out) const override;
  /// Mean training loss (per user: NLL + current beta x KL, no weight penalty) of each epoch.
  const std::vector<double>& epoch_losses() const { return losses_; }

  using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  /// Layers in order, encoder first; the encoder's last layer outputs [mean, log-variance].
  struct Params {
    std::vector<RowMat> w;
    std::vector<Eigen::RowVectorXf> b;
    size_t encoder_layers = 0;
  };
  const Params& params() const { return params_; }
  /// Random parameters of the configured shape for `items` items (what fit() starts from).
  static Params init(const MultVaeConfig& c, int32_t items, uint64_t seed);
  /// Mean over `rows` of NLL + beta x KL with the latent at its mean (no sampling noise, no
  /// dropout, no weight penalty), and its gradient: the backward pass fit() runs, exposed so
  /// tests can check it against finite differences.
  static double loss_and_gradient(const Params& p, std::span<const Query> rows, float beta,
                                  Params* grad);

 private:
  MultVaeConfig config_;
  Params params_;
  std::vector<double> losses_;
};

}  // namespace muse::cf
