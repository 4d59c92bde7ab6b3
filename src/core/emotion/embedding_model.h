#pragma once
/// fastText-style multi-label model: the hashed n-gram ids the linear model already computes
/// are looked up in a small embedding table (coarser hash: the top `bucket_bits` of each id),
/// summed with the featuriser's weights, concatenated with the dense lexicon features and fed
/// to a small ReLU layer and one sigmoid per output. Shared dimensions let rare n-grams borrow
/// strength from similar ones, which a per-n-gram linear weight cannot; the dense path costs
/// one `dim`-float row per id, cheap enough for one-sentence-at-a-time scoring.
#include <cstdint>
#include <span>
#include <vector>

#include "text/featurizer.h"

namespace muse {
class BinaryReader;
class BinaryWriter;
}  // namespace muse

namespace muse::emotion {

struct EmbeddingOptions {
  uint32_t dim = 0;           ///< embedding width; 0 = no embedding model
  uint32_t hidden = 64;       ///< ReLU units; 0 = linear head over the embedding
  uint32_t bucket_bits = 16;  ///< embedding rows = 2^bucket_bits (<= the featuriser's hash bits)
  int epochs = 4;             ///< maximum (the rate decays to 0 over them); best dev epoch kept
  int patience = 3;
  float learning_rate = 0.01f;
  float pos_weight_power = 0.4f;
  /// Extra training-only outputs: the first `aux_outputs` bits of Example::fine (e.g. the 28
  /// GoEmotions labels) as auxiliary targets, so the hidden layer learns finer distinctions;
  /// only the 7 Ekman outputs are ever read.
  uint32_t aux_outputs = 0;
  uint64_t seed = 7;
  /// Models trained with seeds seed, seed + 1, ... whose probabilities are averaged: cheap
  /// variance reduction for a net that over-fits after 2-3 epochs.
  uint32_t models = 1;
  float dropout = 0.f;  ///< inverted dropout on the embedding sum while training (0..0.9)
};

/// Input: featuriser output where ids < `sparse_rows` are n-gram buckets and ids >=
/// `sparse_rows` are dense features `id - sparse_rows` (the lexicon block).
class EmbeddingModel {
 public:
  static constexpr int kMaxOutputs = 64;

  EmbeddingModel() = default;
  /// `sparse_rows`: the featuriser's bucket count (a power of two); `dense`: how many dense
  /// features may follow them.
  EmbeddingModel(const EmbeddingOptions& options, uint32_t sparse_rows, uint32_t dense,
                 int outputs);

  int outputs() const { return outputs_; }
  uint32_t dim() const { return dim_; }
  uint32_t hidden() const { return hidden_; }
  uint32_t sparse_rows() const { return sparse_rows_; }
  uint32_t dense() const { return dense_; }

  /// Output logits for one featurised text into z[0..outputs).
  void scores(const text::TextFeatures& tf, float* z) const;

  /// One SGD step on one featurised text, minimising per-output weighted logistic loss:
  /// bit o of `targets` = output o is positive; positives weigh `pos_weight[o]`.
  /// `dropout`: share of the embedding sum's dimensions zeroed (inverted dropout), 0 = none.
  void train_step(const text::TextFeatures& tf, uint64_t targets, const float* pos_weight, float lr,
                  float dropout = 0.f);

  /// The loss train_step descends (sum over outputs of weighted logistic loss), so tests can
  /// check its gradient against finite differences.
  double loss(const text::TextFeatures& tf, uint64_t targets, const float* pos_weight) const;

  /// Every weight block (embedding, w1, b1, w2, b2), for gradient checks.
  std::vector<std::span<float>> parameters();

  void save(BinaryWriter& w) const;
  /// Throws kDataLoss on anything inconsistent. The loaded model scores from a half-precision
  /// copy of its embedding table when the CPU converts halves in hardware (F16C) and the width
  /// is a multiple of 8: half the bytes per looked-up row, which is what one-at-a-time scoring
  /// waits on (the float rows miss the cache), at ~1e-3 relative error per weight.
  static EmbeddingModel load(BinaryReader& r);
  /// True if scoring reads the half-precision table (see load()).
  bool half_precision() const { return !emb16_.empty(); }

 private:
  /// Fills h (dim + dense) and u (hidden) and returns logits in z.
  void forward(const text::TextFeatures& tf, float* h, float* u, float* z) const;
  void embed(const text::TextFeatures& tf, float* h) const;
  void head(const float* h, float* u, float* z) const;

  uint32_t dim_ = 0, hidden_ = 0, dense_ = 0, sparse_rows_ = 0, shift_ = 0;
  int outputs_ = 0;
  std::vector<float> emb_;       ///< (1 << bucket_bits) x dim; empty once emb16_ replaces it
  std::vector<uint16_t> emb16_;  ///< the same table in IEEE half precision (loaded models)
  std::vector<float> w1_;   ///< hidden x (dim + dense)   (hidden > 0)
  std::vector<float> b1_;   ///< hidden
  std::vector<float> w2_;   ///< outputs x (hidden or dim + dense)
  std::vector<float> b2_;   ///< outputs
  uint32_t bucket_bits_ = 0;
  uint64_t drop_state_ = 0x9e3779b97f4a7c15ull;  ///< training-only dropout stream, not saved
};

}  // namespace muse::emotion
