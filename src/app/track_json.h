#pragma once
#include <nlohmann/json.hpp>

#include "catalog/track.h"

namespace muse {

/// The one JSON shape of a track, shared by CLI --json and the HTTP API.
inline nlohmann::json track_to_json(const catalog::Track& t) {
  nlohmann::json features = nlohmann::json::object();
  for (int i = 0; i < catalog::kNumFeatures; ++i) {
    float v = t.features[i];
    if (!std::isnan(v)) features[catalog::feature_name(static_cast<catalog::Feature>(i))] = v;
  }
  nlohmann::json j = {{"track_id", t.id},        {"name", t.name},         {"artists", t.artists},
                      {"album", t.album},        {"genres", t.genres},     {"popularity", t.popularity},
                      {"features", features}};
  if (t.explicit_ >= 0) j["explicit"] = t.explicit_ == 1;
  if (!t.release_date.empty()) j["release_date"] = t.release_date;
  if (!t.album_id.empty()) j["album_id"] = t.album_id;
  return j;
}

}  // namespace muse
