#pragma once
/// LightGCN (He et al., SIGIR 2020): user and item embeddings smoothed over the symmetric
/// normalised user-item graph, D^-1/2 A D^-1/2, for a few layers; a user's final embedding is
/// the mean of its layers and scores are dot products. Trained with the pairwise BPR loss on
/// sampled negatives, unlike ALS (squared loss over every cell) and Mult-DAE (softmax): a blend
/// member that errs differently.
///
/// Users seen in training keep their learned embedding: a query whose item set equals a
/// training row is scored with it. Any other bag of items is folded in through the graph with
/// a zero layer-0 embedding (its layers 1..K are the normalised sums of its items' layers).
#include <Eigen/Core>
#include <Eigen/SparseCore>

#include "cf/recommender.h"

namespace muse::cf {

struct LightGcnConfig {
  int factors = 64;
  int layers = 3;
  int epochs = 150;
  int batch = 4096;             ///< (user, positive, negative) triples per Adam step
  float learning_rate = 5e-3f;  ///< Adam
  float reg = 1e-4f;            ///< L2 on the layer-0 embeddings a batch touches, as the paper
  float init_std = 0.1f;
  uint64_t seed = 42;
};

class LightGcn : public Recommender {
 public:
  explicit LightGcn(LightGcnConfig config = {});
  std::string name() const override { return "lightgcn"; }
  void fit(const Interactions& x, const ProgressFn& progress = {}) override;
  int32_t n_items() const override { return n_items_; }
  void score(std::span<const Query> queries, std::span<float> out) const override;
  /// Mean BPR loss (without the penalty) of each epoch, for tests.
  const std::vector<double>& epoch_losses() const { return losses_; }

  using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Graph = Eigen::SparseMatrix<float, Eigen::RowMajor, int32_t>;
  struct Triple {
    int32_t user, pos, neg;
  };
  /// (users + items) square graph of a binary user x item matrix, D^-1/2 A D^-1/2.
  static Graph normalised_graph(const Interactions& x);
  /// Mean over `triples` of -log sigmoid(s_up - s_un) + reg/2 (|e_u|^2 + |e_p|^2 + |e_n|^2),
  /// with s the dot product of layer-averaged embeddings; ego holds users then items.
  /// The same forward and backward pass fit() runs, exposed so tests can check it against
  /// finite differences. Returns the BPR part of the loss (the penalty is in the gradient).
  static double loss_and_gradient(const RowMat& ego, const Graph& graph, int layers,
                                  int32_t n_users, std::span<const Triple> triples, float reg,
                                  RowMat* grad, double* penalty = nullptr);

 private:
  LightGcnConfig config_;
  int32_t n_users_ = 0, n_items_ = 0;
  RowMat user_final_;                // n_users x factors
  std::vector<RowMat> item_layers_;  // layers + 1 blocks of n_items x factors
  RowMat item_final_;
  std::vector<float> item_inv_sqrt_degree_;
  TrainingRows training_rows_;
  std::vector<double> losses_;
};

}  // namespace muse::cf
