#pragma once
/// Mood -> a point in the catalogue's audio space. The mapping (valence–arousal quadrants,
/// as in music-emotion research: Spotify "valence" tracks felt positivity, "energy" tracks
/// arousal):
///   valence z      = 1.5 v                 (happy text -> bright, major-feeling music)
///   energy z       = 1.4 a                 (aroused text -> energetic music)
///   loudness z     = 1.0 a (+0.4 anger)
///   tempo z        = 0.6 a (+0.2 surprise)
///   acousticness z = -1.0 a (+0.4 sadness) (calm/sad -> acoustic, unplugged)
///   danceability z = 0.6 v + 0.4 a (+0.3 joy)
///   mode z         = 0.8 v (-0.3 fear)     (only if the feature space includes mode)
/// where v, a in -1..1 and the emotion terms are the pooled shares. Quadrants: +v+a
/// "happy/excited", +v-a "calm/content", -v+a "angry/tense", -v-a "sad/low". Features not
/// listed stay at the catalogue mean (z = 0). z-scores are clamped to ±2.
///
/// `lift` first moves (v, a) a fraction `lift_step` of the way toward a mildly positive,
/// moderately energetic point (the "iso principle" of music therapy: meet the listener
/// near where they are, then lead), and damps the emotion-specific terms by the same step.
#include <array>
#include <string>
#include <vector>

#include "catalog/feature_space.h"
#include "catalog/track.h"
#include "emotion/labels.h"

namespace muse::mood {

enum class MoodMode { kMatch, kLift };
const char* mode_name(MoodMode m);
/// "match" or "lift"; throws kInvalidArgument otherwise.
MoodMode mode_from_name(std::string_view name);

struct MapperOptions {
  float lift_step = 0.5f;     ///< 0 = stay, 1 = jump to the goal
  float goal_valence = 0.6f;  ///< lift goal
  float goal_arousal = 0.2f;
};

struct AudioTarget {
  MoodMode mode = MoodMode::kMatch;
  float valence = 0, arousal = 0;  ///< the mood point the target was built from (after lift)
  std::string quadrant;            ///< of (valence, arousal)
  std::string from_quadrant;       ///< of the text's own mood (before lift)
  /// z-score per catalogue feature; NaN = not targeted (catalogue mean).
  std::array<float, catalog::kNumFeatures> z;
  AudioTarget() { z.fill(std::nanf("")); }
  /// The target in `space`'s scaled coordinates (for recommend::ContentQuery::target).
  std::vector<float> scaled(const catalog::FeatureSpace& space) const;
};

class MoodMapper {
 public:
  explicit MoodMapper(MapperOptions options = {});
  AudioTarget map(float valence, float arousal,
                  const std::array<float, emotion::kNumLabels>& distribution, MoodMode mode) const;
  const MapperOptions& options() const { return options_; }

 private:
  MapperOptions options_;
};

/// "happy/excited", "calm/content", "angry/tense" or "sad/low".
const char* quadrant_name(float valence, float arousal);

}  // namespace muse::mood
