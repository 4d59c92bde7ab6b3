#include "mood/mood_mapper.h"

#include <algorithm>
#include <cmath>

#include "util/error.h"

namespace muse::mood {

using catalog::Feature;
using emotion::Emotion;

const char* mode_name(MoodMode m) { return m == MoodMode::kLift ? "lift" : "match"; }

MoodMode mode_from_name(std::string_view name) {
  if (name == "match") return MoodMode::kMatch;
  if (name == "lift") return MoodMode::kLift;
  MUSE_THROW(ErrorCode::kInvalidArgument, "mode must be 'match' or 'lift', got '{}'",
             std::string(name.substr(0, 20)));
}

const char* quadrant_name(float v, float a) {
  if (v >= 0) return a >= 0 ? "happy/excited" : "calm/content";
  return a >= 0 ? "angry/tense" : "sad/low";
}

MoodMapper::MoodMapper(MapperOptions options) : options_(options) {
  MUSE_CHECK_ARG(options_.lift_step >= 0 && options_.lift_step <= 1, "lift step must be in 0..1");
}

AudioTarget MoodMapper::map(float v, float a, const std::array<float, emotion::kNumLabels>& dist,
                            MoodMode mode) const {
  MUSE_CHECK_ARG(std::isfinite(v) && std::isfinite(a), "valence/arousal must be finite");
  v = std::clamp(v, -1.f, 1.f);
  a = std::clamp(a, -1.f, 1.f);
  const char* from = quadrant_name(v, a);
  float emo_gain = 1.f;
  if (mode == MoodMode::kLift) {
    const float s = options_.lift_step;
    v += s * (options_.goal_valence - v);
    a += s * (options_.goal_arousal - a);
    emo_gain = 1.f - s;
  }
  auto share = [&](Emotion e) { return emo_gain * dist[static_cast<int>(e)]; };
  AudioTarget t;
  t.mode = mode;
  t.valence = v;
  t.arousal = a;
  t.quadrant = quadrant_name(v, a);
  t.from_quadrant = from;
  auto set = [&](Feature f, float z) { t.z[static_cast<int>(f)] = std::clamp(z, -2.f, 2.f); };
  set(Feature::kValence, 1.5f * v);
  set(Feature::kEnergy, 1.4f * a);
  set(Feature::kLoudness, 1.0f * a + 0.4f * share(Emotion::kAnger));
  set(Feature::kTempo, 0.6f * a + 0.2f * share(Emotion::kSurprise));
  set(Feature::kAcousticness, -1.0f * a + 0.4f * share(Emotion::kSadness));
  set(Feature::kDanceability, 0.6f * v + 0.4f * a + 0.3f * share(Emotion::kJoy));
  set(Feature::kMode, 0.8f * v - 0.3f * share(Emotion::kFear));
  return t;
}

std::vector<float> AudioTarget::scaled(const catalog::FeatureSpace& space) const {
  std::vector<float> out(space.dim(), 0.f);
  for (int d = 0; d < space.dim(); ++d) {
    float zf = z[static_cast<int>(space.features()[d])];
    out[d] = std::isnan(zf) ? 0.f : zf * space.weights()[d];
  }
  return out;
}

}  // namespace muse::mood
