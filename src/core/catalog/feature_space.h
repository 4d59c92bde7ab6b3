#pragma once
/// The vector space "more like these" works in. Default: nine continuous audio features
/// (danceability, energy, loudness, speechiness, acousticness, instrumentalness, liveness,
/// valence, tempo), each standardised to z-scores over the catalogue and multiplied by an
/// optional weight. Key, mode and time signature are categorical and left out by default;
/// unknown values (NaN) map to the catalogue mean (z = 0).
#include <Eigen/Core>
#include <string>
#include <vector>

#include "catalog/catalog.h"

namespace muse {
class BinaryReader;
class BinaryWriter;
}  // namespace muse

namespace muse::catalog {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct FeatureSpaceConfig {
  std::vector<Feature> features;
  std::vector<float> weights;  ///< one per feature; empty = all 1
  static FeatureSpaceConfig defaults();
  /// Parses "energy=2,valence=1.5" style overrides on top of the defaults.
  static FeatureSpaceConfig parse_weights(const std::string& spec);
};

class FeatureSpace {
 public:
  FeatureSpace() = default;
  static FeatureSpace fit(const Catalog& catalog, FeatureSpaceConfig config = FeatureSpaceConfig::defaults());

  int dim() const { return static_cast<int>(features_.size()); }
  const std::vector<Feature>& features() const { return features_; }
  const std::vector<float>& means() const { return mean_; }
  const std::vector<float>& stddevs() const { return std_; }
  const std::vector<float>& weights() const { return weight_; }

  /// Writes dim() floats for one track.
  void transform(const Track& t, float* out) const;
  /// All catalogue rows, N x dim, row-major.
  RowMatrix transform_all(const Catalog& catalog) const;
  /// z-score (unweighted) of a scaled coordinate, for explanations.
  float zscore(int d, float scaled) const { return weight_[d] != 0 ? scaled / weight_[d] : 0.f; }
  /// Raw value of a scaled coordinate.
  float raw(int d, float scaled) const { return zscore(d, scaled) * std_[d] + mean_[d]; }

  void save(BinaryWriter& w) const;
  static FeatureSpace load(BinaryReader& r);
  uint64_t fingerprint() const;

 private:
  std::vector<Feature> features_;
  std::vector<float> mean_, std_, weight_;
};

}  // namespace muse::catalog
