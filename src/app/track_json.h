#pragma once
#include <charconv>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "catalog/track.h"
#include "recommend/content_recommender.h"

namespace muse {

/// A float as the double with the same shortest decimal form (0.05f -> 0.05, not
/// 0.05000000074505806), so JSON stays short and readable.
inline double tidy_float(float v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf) - 1, v);
  *r.ptr = '\0';
  return std::strtod(buf, nullptr);
}

/// The one JSON shape of a track, shared by CLI --json and the HTTP API.
inline nlohmann::json track_to_json(const catalog::Track& t) {
  nlohmann::json features = nlohmann::json::object();
  for (int i = 0; i < catalog::kNumFeatures; ++i) {
    float v = t.features[i];
    if (!std::isnan(v))
      features[catalog::feature_name(static_cast<catalog::Feature>(i))] = tidy_float(v);
  }
  nlohmann::json j = {{"track_id", t.id},    {"name", t.name},     {"artists", t.artists},
                      {"album", t.album},    {"genres", t.genres}, {"popularity", t.popularity},
                      {"features", features}};
  if (t.explicit_ >= 0) j["explicit"] = t.explicit_ == 1;
  if (!t.release_date.empty()) j["release_date"] = t.release_date;
  if (!t.album_id.empty()) j["album_id"] = t.album_id;
  return j;
}

/// A track with the score and the reason it was chosen: the shape of every recommendation list.
inline nlohmann::json scored_track_json(const catalog::Track& t, float score,
                                        const std::string& reason) {
  nlohmann::json j = track_to_json(t);
  j["score"] = tidy_float(score);
  j["reason"] = reason;
  return j;
}
/// The one JSON shape of a recommendation, shared by `muse recommend --json` and the API.
inline nlohmann::json recommendation_to_json(const catalog::Track& t,
                                             const recommend::Recommendation& r) {
  return scored_track_json(t, r.score, r.reason);
}

/// Fast paths for hot API routes: append exactly the JSON of track_to_json(t) /
/// recommendation_to_json(t, r) to `out` without building a json tree (same keys and values;
/// tests check they parse to the same document).
void append_json_string(std::string& out, std::string_view s);
void append_track_json(std::string& out, const catalog::Track& t,
                       std::string_view extra_fields = {});
void append_recommendation_json(std::string& out, const catalog::Track& t,
                                const recommend::Recommendation& r);

}  // namespace muse
