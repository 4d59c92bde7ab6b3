#pragma once
/// Spotify popularity (0-100) from a track's audio features and, with the full feature set,
/// its catalogue context. Gradient-boosted trees (XGBoost) with two in-project baselines
/// (training mean, ridge regression) trained alongside, so every report shows the gain.
/// Explanations are XGBoost's exact tree SHAP values: per-feature contributions plus a bias
/// that add up to the prediction.
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "popularity/features.h"
#include "util/progress.h"

namespace muse::popularity {

struct TrainOptions {
  FeatureSet features = FeatureSet::kAudio;
  uint64_t seed = 42;
  int nthread = 2;
  int max_rounds = 3000;
  int early_stopping_rounds = 50;  ///< stop when validation MSE has not improved for this long
  double eta = 0.1;
  int max_depth = 8;
  double subsample = 0.8;
  double colsample_bytree = 0.8;
  double min_child_weight = 3;
  double lambda = 1;
  int max_bin = 64;
  int folds = 5;         ///< out-of-fold encoding folds (full set)
  float smoothing = 10;  ///< pseudo-count of smoothed means
  double valid_fraction =
      0.1;  ///< carved from the training tracks when no validation file is given
  size_t permutation_rows = 2000;  ///< validation tracks used for permutation importance
};

struct Metrics {
  double mse = 0, mae = 0, r2 = 0;
  size_t n = 0;
};

/// What train() measured (validation side only; nothing here is computed on training rows).
struct TrainStats {
  uint64_t train_tracks = 0, train_rows = 0, valid_tracks = 0, valid_rows = 0;
  int valid_carved = 0;  ///< 1 if the validation tracks were carved from the training file
  int best_iteration = 0, rounds = 0;
  double ridge_lambda = 0;
  double seconds_features = 0, seconds_boost = 0, seconds_importance = 0, seconds_total = 0;
  Metrics valid, valid_mean, valid_ridge;  ///< row-level, on the validation rows
};

struct Contribution {
  std::string feature;
  float value;         ///< the feature's value for this track (NaN = missing)
  float contribution;  ///< SHAP value, in popularity points
};

struct Explanation {
  float prediction = 0;
  float bias = 0;                           ///< expected prediction before any feature is known
  std::vector<Contribution> contributions;  ///< every feature, largest |contribution| first
};

struct Importance {
  std::string feature;
  double value;
};

struct EvalResult {
  Metrics model, mean, ridge;  ///< row-level over exactly the rows of the file
  Metrics model_tracks;        ///< track-level (one row per distinct track, mean target)
  size_t tracks = 0;
};

class PopularityModel {
 public:
  static constexpr const char* kMagic = "MUSEPOP1";
  static constexpr uint32_t kVersion = 1;

  ~PopularityModel();
  PopularityModel(const PopularityModel&) = delete;
  PopularityModel& operator=(const PopularityModel&) = delete;

  /// Fits features, baselines and the booster on `train`; `valid` (if null, carved from
  /// `train` by track) drives early stopping, ridge's lambda and permutation importance.
  static std::shared_ptr<PopularityModel> train(const PopularityData& train,
                                                const PopularityData* valid,
                                                const TrainOptions& options,
                                                const ProgressFn& progress = {});
  /// Throws kNotFound if missing, kDataLoss if not a popularity model of this version.
  static std::shared_ptr<PopularityModel> load(const std::filesystem::path& path);
  void save(const std::filesystem::path& path) const;

  std::vector<float> predict(const std::vector<catalog::Track>& tracks) const;
  std::vector<Explanation> explain(const std::vector<catalog::Track>& tracks) const;
  /// Model and baselines on every row of `data` (which must carry targets).
  EvalResult evaluate(const PopularityData& data) const;

  FeatureSet feature_set() const { return features_.set(); }
  const FeatureBuilder& features() const { return features_; }
  const TrainStats& stats() const { return stats_; }
  uint64_t seed() const { return seed_; }
  /// XGBoost gain (average per split) and total gain, one per feature, descending.
  const std::vector<Importance>& gain() const { return gain_; }
  const std::vector<Importance>& total_gain() const { return total_gain_; }
  /// Increase of validation MSE when a feature (group) is shuffled, descending.
  const std::vector<Importance>& permutation_importance() const { return permutation_; }
  /// Held-out validation points (track id, actual, predicted) for a scatter plot.
  struct Point {
    std::string id;
    float actual, predicted;
  };
  const std::vector<Point>& validation_points() const { return points_; }

 private:
  PopularityModel();
  struct Booster;
  std::vector<float> predict_rows(const FeatureMatrix& x, size_t n) const;
  std::vector<float> ridge_rows(const FeatureMatrix& x, size_t n) const;

  FeatureBuilder features_;
  uint64_t seed_ = 0;
  double mean_ = 0;
  std::vector<double> ridge_mu_, ridge_sd_, ridge_w_;
  double ridge_bias_ = 0;
  TrainStats stats_;
  std::vector<Importance> gain_, total_gain_, permutation_;
  std::vector<Point> points_;
  std::unique_ptr<Booster> booster_;
  mutable std::mutex mu_;  // XGBoost prediction buffers are per booster
};

/// Squared/absolute error and R² of predictions against targets, optionally weighted.
Metrics compute_metrics(const std::vector<float>& pred, const std::vector<float>& target,
                        const std::vector<float>* weight = nullptr);

}  // namespace muse::popularity
