#include "catalog/track.h"

#include <cstdlib>

namespace muse::catalog {

namespace {
constexpr const char* kNames[kNumFeatures] = {
    "danceability", "energy",   "key",      "loudness",     "mode",
    "speechiness",  "acousticness", "instrumentalness", "liveness", "valence",
    "tempo",        "time_signature", "duration_ms"};
}

const char* feature_name(Feature f) {
  int i = static_cast<int>(f);
  return i >= 0 && i < kNumFeatures ? kNames[i] : "?";
}

Feature feature_from_name(std::string_view name) {
  for (int i = 0; i < kNumFeatures; ++i) {
    if (name == kNames[i]) return static_cast<Feature>(i);
  }
  return Feature::kCount;
}

int Track::release_year() const {
  if (release_date.size() < 4) return 0;
  int y = std::atoi(release_date.substr(0, 4).c_str());
  return y >= 1800 && y <= 2100 ? y : 0;
}

}  // namespace muse::catalog
