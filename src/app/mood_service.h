#pragma once
/// "Music for my mood" as one call shared by `muse mood` and POST /api/v1/mood, so both
/// produce the same JSON: per-sentence emotions, pooled distribution, valence/arousal, the
/// audio target and tracks with reasons. Models come from the App's model slots.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/app.h"
#include "listeners/taste_profile.h"
#include "mood/mood_analyzer.h"
#include "mood/mood_recommender.h"

namespace muse::app {

struct MoodRequest {
  std::string text;
  std::string mode = "match";       ///< match | lift
  std::vector<std::string> tracks;  ///< the listener's own tracks: ids or names
  float taste = 0;                  ///< 0..1
  int n = 10;
  uint64_t seed = 0;
  std::string genre;
  bool with_tracks = true;  ///< false: analysis and target only (no catalogue needed)
  int64_t listener_id = 0;  ///< signed-in listener: their dislikes and banned artists are left out
};

/// Throws kUnavailable if the emotion model is not trained (or no catalogue when tracks are
/// wanted), kInvalidArgument / kPayloadTooLarge for bad text, kNotFound for unknown tracks.
/// The reply's "timing_ms" covers analysis + recommendation (models already loaded).
nlohmann::json run_mood(App& app, const MoodRequest& request);

/// Mood tracks for one query. With a listener's taste profile, tracks they disliked and artists
/// they banned never come back (over-fetched, then filtered, so `q.n` still arrive when possible).
mood::MoodResult recommend_mood(const ContentSnapshot& snap, mood::MoodQuery q,
                                const listeners::TasteProfile* profile = nullptr);

/// The analyzer over the App's emotion (required, kUnavailable if untrained) and
/// valence/arousal (optional) model slots; shared with the chat.
mood::MoodAnalyzer mood_analyzer(App& app);
/// {label: p} for the seven labels.
nlohmann::json emotions_json(const std::array<float, emotion::kNumLabels>& p);
/// One analysed sentence as run_mood reports it.
nlohmann::json sentence_json(const mood::SentenceMood& s);

}  // namespace muse::app
