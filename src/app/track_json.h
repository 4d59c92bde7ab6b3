#pragma once
#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdlib>

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
    if (!std::isnan(v)) features[catalog::feature_name(static_cast<catalog::Feature>(i))] = tidy_float(v);
  }
  nlohmann::json j = {{"track_id", t.id},        {"name", t.name},         {"artists", t.artists},
                      {"album", t.album},        {"genres", t.genres},     {"popularity", t.popularity},
                      {"features", features}};
  if (t.explicit_ >= 0) j["explicit"] = t.explicit_ == 1;
  if (!t.release_date.empty()) j["release_date"] = t.release_date;
  if (!t.album_id.empty()) j["album_id"] = t.album_id;
  return j;
}

/// The one JSON shape of a recommendation, shared by `muse recommend --json` and the API.
inline nlohmann::json recommendation_to_json(const catalog::Track& t, const recommend::Recommendation& r) {
  nlohmann::json j = track_to_json(t);
  j["score"] = tidy_float(r.score);
  j["reason"] = r.reason;
  return j;
}

}  // namespace muse
