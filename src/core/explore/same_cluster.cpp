#include "explore/same_cluster.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "util/error.h"
#include "util/text.h"

namespace muse::explore {

SameClusterResult recommend_same_cluster(const CatalogMap& map,
                                         const recommend::ContentRecommender& rec,
                                         const SameClusterQuery& q) {
  const auto& cat = rec.catalog();
  const auto& space = rec.space();
  MUSE_CHECK_ARG(!q.seed_rows.empty(), "give at least one seed track");
  MUSE_CHECK_ARG(q.n >= 1 && q.n <= recommend::ContentRecommender::kMaxN,
                 "n must be between 1 and {}, got {}", recommend::ContentRecommender::kMaxN, q.n);
  MUSE_CHECK_ARG(q.max_per_artist >= 0, "max_per_artist must be >= 0");
  MUSE_CHECK(map.size() == cat.size(),
             "the cluster map has {} points but the catalogue {} tracks (stale map)", map.size(),
             cat.size());
  for (uint32_t r : q.seed_rows)
    MUSE_CHECK_ARG(r < cat.size(), "seed row {} outside the catalogue", r);
  const int d = space.dim();
  std::vector<float> mean = rec.mean_vector(q.seed_rows);
  SameClusterResult out;
  float best = std::numeric_limits<float>::infinity();
  for (int c = 0; c < map.k(); ++c) {
    float s = 0;
    for (int j = 0; j < d; ++j) {
      float t = map.centroids()(c, j) - mean[j];
      s += t * t;
    }
    if (s < best) {
      best = s;
      out.cluster = c;
    }
  }
  if (q.seed_rows.size() == 1) out.cluster = map.cluster(q.seed_rows.front());

  const auto& members = map.members(out.cluster);
  std::vector<std::pair<float, uint32_t>> ranked;
  ranked.reserve(members.size());
  std::vector<float> v(d);
  for (uint32_t r : members) {
    space.transform(cat.track(r), v.data());
    float s = 0;
    for (int j = 0; j < d; ++j) s += (v[j] - mean[j]) * (v[j] - mean[j]);
    ranked.push_back({s, r});
  }
  std::sort(ranked.begin(), ranked.end());
  std::unordered_set<uint32_t> seeds(q.seed_rows.begin(), q.seed_rows.end());
  std::unordered_set<std::string> keys;
  std::vector<std::string> seed_genres;
  for (uint32_t s : q.seed_rows) {
    keys.insert(recommend::song_key(cat.track(s)));
    for (const auto& g : cat.track(s).genres) seed_genres.push_back(g);
  }
  std::unordered_map<std::string, int> per_artist;
  for (const auto& [dist, row] : ranked) {
    if (static_cast<int>(out.items.size()) >= q.n) break;
    if (seeds.count(row)) continue;
    const auto& t = cat.track(row);
    if (!keys.insert(recommend::song_key(t)).second) continue;
    if (q.max_per_artist > 0 && ++per_artist[fold_key(t.primary_artist())] > q.max_per_artist)
      continue;
    recommend::Recommendation item;
    item.row = row;
    item.distance = dist;
    item.score = 1.f / (1.f + std::sqrt(std::max(0.f, dist)));
    item.reason = rec.reason(mean, row, seed_genres);
    out.items.push_back(std::move(item));
  }
  return out;
}

}  // namespace muse::explore
