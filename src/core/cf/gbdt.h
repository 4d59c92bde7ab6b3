#pragma once
/// Gradient-boosted trees through the XGBoost C API, for learning-to-rank candidates
/// (rank:pairwise over query groups) or scoring (binary:logistic). Batch-shaped: train on
/// a row-major feature matrix, predict for a block of rows.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace muse::cf {

struct GbdtParams {
  std::string objective = "rank:pairwise";
  int rounds = 200;
  int max_depth = 6;
  float eta = 0.1f;
  float subsample = 0.8f;
  float colsample = 0.8f;
  float min_child_weight = 1.f;
  int threads = 2;
  uint64_t seed = 7;
};

class Gbdt {
 public:
  Gbdt();
  ~Gbdt();
  Gbdt(const Gbdt&) = delete;
  Gbdt& operator=(const Gbdt&) = delete;

  /// x: rows x n_features, row-major (NaN = missing). groups: sizes of consecutive query
  /// groups (needed for rank objectives, may be empty otherwise). base_margin (one per row,
  /// or empty): the trees learn a correction on top of this prior score, which predict()
  /// does not add back — the caller adds it (for ranking, any per-query constant is moot).
  void train(const std::vector<float>& x, int n_features, const std::vector<float>& labels,
             const std::vector<unsigned>& groups, const GbdtParams& params,
             const std::vector<float>& base_margin = {});
  /// One score per row. Thread-safe.
  std::vector<float> predict(const float* x, size_t rows) const;
  /// The same scores through a DMatrix (XGBoost's classic path); kept to check `predict`.
  std::vector<float> predict_dmatrix(const float* x, size_t rows) const;
  bool trained() const { return handle_ != nullptr; }
  int n_features() const { return n_features_; }
  /// The model as XGBoost's own serialisation (UBJSON), for embedding in Muse model files.
  std::string save() const;
  void load(const std::string& bytes, int n_features);

 private:
  void* handle_ = nullptr;
  int n_features_ = 0;
  mutable std::mutex mu_;
};

}  // namespace muse::cf
