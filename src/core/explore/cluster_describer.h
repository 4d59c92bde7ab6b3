#pragma once
/// Words for a micro-genre: what genres its tracks carry, how it sounds compared with the
/// whole catalogue (mean z-score per audio feature), its most popular songs and a short name.
#include <span>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/feature_space.h"

namespace muse::explore {

using catalog::RowMatrix;

struct GenreShare {
  std::string genre;
  double share = 0;  ///< fraction of the cluster's genre-labelled tracks carrying it
};

struct FeatureTrait {
  catalog::Feature feature;
  float z = 0;        ///< cluster mean, in catalogue standard deviations
  std::string words;  ///< "high energy"
};

struct ClusterDescription {
  int id = 0;
  size_t size = 0;
  std::string name;     ///< "fast energetic metalcore"
  std::string profile;  ///< "high energy, electric/produced, fast tempo" or "close to the catalogue
                        ///< average"
  std::vector<GenreShare> genres;    ///< dominant genres, largest first
  double labelled = 0;               ///< fraction of members with any genre label
  std::vector<FeatureTrait> traits;  ///< distinctive features, strongest first
  std::vector<float> mean_z;         ///< per feature-space dimension
  std::vector<uint32_t> top_tracks;  ///< most popular rows, one per song
};

struct DescriberParams {
  int max_genres = 3;
  double min_genre_share = 0.1;  ///< genres below this share are not "dominant"
  int max_traits = 3;
  float min_trait_z = 0.5f;  ///< |mean z| needed to call a feature distinctive
  int top_tracks = 10;
};

class ClusterDescriber {
 public:
  ClusterDescriber(const catalog::Catalog& catalog, const catalog::FeatureSpace& space,
                   DescriberParams params = {});
  /// One description per cluster 0..k-1; x is the catalogue in the feature space (n x dim),
  /// labels one cluster per row.
  std::vector<ClusterDescription> describe(const RowMatrix& x, std::span<const int32_t> labels,
                                           int k) const;

 private:
  const catalog::Catalog& catalog_;
  const catalog::FeatureSpace& space_;
  DescriberParams params_;
};

/// One or two words for a feature leaning one way: (energy, +) -> "energetic".
std::string feature_adjective(catalog::Feature f, float z);

}  // namespace muse::explore
