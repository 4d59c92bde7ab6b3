#pragma once
/// "More like these": the mean of the seeds' scaled feature vectors, its nearest neighbours,
/// then the filters a listener expects (no seeds, no re-releases of the seeds, an artist cap,
/// an optional genre) and a short reason per result.
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/feature_space.h"
#include "index/vector_index.h"

namespace muse::recommend {

struct ContentQuery {
  std::vector<std::string> track_ids;  ///< seeds; unknown ids throw kNotFound
  int n = 10;
  std::string genre;                   ///< optional: only tracks with this genre label
  int max_per_artist = 2;              ///< 0 = no cap
  std::vector<std::string> exclude_ids;
  /// Optional target in the scaled feature space; used instead of (or, with
  /// target_weight < 1, blended with) the seeds' mean.
  std::vector<float> target;
  float target_weight = 1.f;
  /// Style: a candidate's distance grows by style_weight × (1 − the share of the seeds' genre
  /// labels it carries), so among similar-sounding songs the seeds' genres come first. Audio
  /// alone puts Queen next to mandopop and show tunes (9% of top-10 results shared a genre with
  /// a single seed). 0 = audio only; ignored without seed genres or with `genre` set.
  float style_weight = kDefaultStyleWeight;
  static constexpr float kDefaultStyleWeight = 0.5f;
};

struct Recommendation {
  uint32_t row = 0;
  float score = 0;     ///< 1 / (1 + audio distance + style penalty), in (0, 1]
  float distance = 0;  ///< squared L2 in the feature space (audio only)
  std::string reason;
};

struct RecommendResult {
  std::vector<Recommendation> items;
  std::vector<float> query;  ///< the query vector (scaled space)
};

class ContentRecommender {
 public:
  static constexpr int kMaxN = 1000;

  ContentRecommender(catalog::CatalogPtr catalog, std::shared_ptr<const catalog::FeatureSpace> space,
                     std::shared_ptr<const index::VectorIndex> index);

  /// Batch entry point: one search for all queries, then per-query filtering.
  std::vector<RecommendResult> recommend(std::span<const ContentQuery> queries) const;
  RecommendResult recommend(const ContentQuery& query) const;

  /// Mean scaled vector of the given rows.
  std::vector<float> mean_vector(std::span<const uint32_t> rows) const;
  /// Human-readable reason why `row` fits `query` (shared distinctive features).
  std::string reason(const std::vector<float>& query, uint32_t row,
                     const std::vector<std::string>& seed_genres) const;

  const catalog::Catalog& catalog() const { return *catalog_; }
  const catalog::FeatureSpace& space() const { return *space_; }
  const index::VectorIndex& index() const { return *index_; }

 private:
  catalog::CatalogPtr catalog_;
  std::shared_ptr<const catalog::FeatureSpace> space_;
  std::shared_ptr<const index::VectorIndex> index_;
  std::unordered_map<std::string, std::vector<uint32_t>> genre_rows_;  ///< rows by genre label
};

/// Words for a feature at a z-score: ("energy", +1.2) -> "high energy".
std::string describe_feature(catalog::Feature f, float z);
/// Key that identifies "the same song" across albums, remasters and mixes: folded base title
/// (version suffix dropped) + primary artist.
std::string song_key(const catalog::Track& t);

}  // namespace muse::recommend
