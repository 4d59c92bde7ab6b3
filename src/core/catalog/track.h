#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace muse::catalog {

/// Spotify audio features, in storage order. Values are raw (unscaled); NaN = unknown.
enum class Feature : int {
  kDanceability = 0,
  kEnergy,
  kKey,
  kLoudness,
  kMode,
  kSpeechiness,
  kAcousticness,
  kInstrumentalness,
  kLiveness,
  kValence,
  kTempo,
  kTimeSignature,
  kDurationMs,
  kCount
};
inline constexpr int kNumFeatures = static_cast<int>(Feature::kCount);

/// Column names as in the Spotify datasets ("danceability", ...).
const char* feature_name(Feature f);
/// Feature by column name, or kCount if unknown.
Feature feature_from_name(std::string_view name);

struct Track {
  std::string id;                    ///< Spotify track id (22-char base62)
  std::string name;
  std::vector<std::string> artists;  ///< in credit order; artists[0] is the primary artist
  std::string album;
  std::string album_id;              ///< empty when the source has none
  std::string release_date;          ///< "YYYY", "YYYY-MM" or "YYYY-MM-DD"; empty if unknown
  std::vector<std::string> genres;   ///< sorted, unique
  int popularity = -1;               ///< 0..100, -1 unknown
  int explicit_ = -1;                ///< 0/1, -1 unknown
  std::array<float, kNumFeatures> features;

  Track() { features.fill(std::nanf("")); }
  float feature(Feature f) const { return features[static_cast<int>(f)]; }
  float& feature(Feature f) { return features[static_cast<int>(f)]; }
  const std::string& primary_artist() const {
    static const std::string kEmpty;
    return artists.empty() ? kEmpty : artists.front();
  }
  /// Release year, or 0 if unknown.
  int release_year() const;
};

}  // namespace muse::catalog
