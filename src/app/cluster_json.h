#pragma once
/// The JSON shapes of micro-genres and map points, shared by CLI --json and the HTTP API.
#include <nlohmann/json.hpp>

#include "app/clusters.h"
#include "catalog/track.h"

namespace muse {

/// How the clustering space was made (audio only, or audio + playlist co-occurrence factors).
inline nlohmann::json cooc_json(const explore::CoocInfo& c) {
  return {{"weight", c.weight},
          {"factors", c.factors},
          {"playlists", c.playlists},
          {"tracks_in_playlists", c.learned_rows},
          {"imputed_tracks", c.imputed_rows},
          {"mean_factor_tracks", c.fallback_rows},
          {"scale", c.scale}};
}

inline nlohmann::json cluster_summary_json(const explore::ClusterDescription& c) {
  nlohmann::json genres = nlohmann::json::array();
  for (const auto& g : c.genres) genres.push_back({{"genre", g.genre}, {"share", g.share}});
  nlohmann::json traits = nlohmann::json::array();
  for (const auto& t : c.traits) {
    traits.push_back(
        {{"feature", catalog::feature_name(t.feature)}, {"z", t.z}, {"words", t.words}});
  }
  return {{"id", c.id},
          {"name", c.name},
          {"size", c.size},
          {"profile", c.profile},
          {"genres", genres},
          {"traits", traits},
          {"labelled_share", c.labelled}};
}

inline nlohmann::json cluster_json(const app::ClusterSnapshot& s,
                                   const explore::ClusterDescription& c, size_t max_tracks) {
  nlohmann::json j = cluster_summary_json(c);
  const auto& cat = *s.content->catalog;
  nlohmann::json top = nlohmann::json::array();
  for (size_t i = 0; i < c.top_tracks.size() && i < max_tracks; ++i) {
    const auto& t = cat.track(c.top_tracks[i]);
    top.push_back({{"track_id", t.id},
                   {"name", t.name},
                   {"artists", t.artists},
                   {"popularity", t.popularity}});
  }
  j["top_tracks"] = top;
  nlohmann::json profile = nlohmann::json::object();
  const auto& space = *s.content->space;
  for (int d = 0; d < space.dim() && d < static_cast<int>(c.mean_z.size()); ++d) {
    profile[catalog::feature_name(space.features()[d])] = c.mean_z[d];
  }
  j["mean_z"] = profile;
  return j;
}

/// One map point: compact keys, the browser may receive thousands.
inline nlohmann::json map_point_json(const app::ClusterSnapshot& s, uint32_t row) {
  const auto& t = s.content->catalog->track(row);
  return {{"id", t.id},        {"x", s.map.x(row)},
          {"y", s.map.y(row)}, {"c", s.map.cluster(row)},
          {"name", t.name},    {"artist", t.primary_artist()}};
}

}  // namespace muse
