#pragma once
/// "More from this micro-genre": the other tracks of the seeds' cluster, closest to the
/// seeds first, with the same hygiene as content recommendations (no seeds, no re-releases
/// of songs already listed, an artist cap).
#include <span>
#include <vector>

#include "explore/catalog_map.h"
#include "recommend/content_recommender.h"

namespace muse::explore {

struct SameClusterQuery {
  std::vector<uint32_t> seed_rows;
  int n = 10;
  int max_per_artist = 2;  ///< 0 = no cap
};

struct SameClusterResult {
  int cluster = -1;  ///< the micro-genre recommended from
  std::vector<recommend::Recommendation> items;
};

/// The cluster is the seeds' common one: the centroid nearest to the mean of their vectors
/// (for one seed, its own cluster). Reasons come from `rec`.
SameClusterResult recommend_same_cluster(const CatalogMap& map,
                                         const recommend::ContentRecommender& rec,
                                         const SameClusterQuery& query);

}  // namespace muse::explore
