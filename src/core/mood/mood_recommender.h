#pragma once
/// Mood -> tracks: the mapper's audio target, optionally blended with the listener's own
/// tracks (taste weight 0..1), searched through the content recommender; then near-ties are
/// shuffled with a seeded jitter so the same mood does not always yield the same list, yet
/// the same seed always does.
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "emotion/labels.h"
#include "mood/mood_mapper.h"
#include "recommend/content_recommender.h"

namespace muse::mood {

struct MoodQuery {
  float valence = 0, arousal = 0;                           ///< -1..1 (MoodAnalysis)
  std::array<float, emotion::kNumLabels> distribution{};    ///< pooled emotion shares
  MoodMode mode = MoodMode::kMatch;
  std::vector<std::string> track_ids;  ///< the listener's own tracks (optional)
  float taste = 0;                     ///< 0 = mood only, 1 = the listener's tracks only
  int n = 10;
  uint64_t seed = 0;
  float tie_margin = 0.02f;  ///< similarity gap treated as a tie (score is in (0, 1])
  std::string genre;         ///< optional filter
};

struct MoodTrack {
  uint32_t row = 0;
  float score = 0;  ///< similarity to the query point, before jitter
  std::string reason;
};

struct MoodResult {
  AudioTarget target;
  std::vector<float> query;  ///< scaled query vector actually searched
  std::vector<MoodTrack> items;
};

class MoodRecommender {
 public:
  MoodRecommender(std::shared_ptr<const recommend::ContentRecommender> content, MoodMapper mapper = MoodMapper());

  /// Throws kInvalidArgument for taste outside 0..1, taste > 0 without tracks, bad n;
  /// kNotFound for unknown track ids.
  std::vector<MoodResult> recommend(std::span<const MoodQuery> queries) const;
  MoodResult recommend(const MoodQuery& query) const;

  const MoodMapper& mapper() const { return mapper_; }

 private:
  std::string reason(const AudioTarget& target, uint32_t row) const;
  std::shared_ptr<const recommend::ContentRecommender> content_;
  MoodMapper mapper_;
};

}  // namespace muse::mood
