#include "app/mood_service.h"

#include <filesystem>

#include "app/track_json.h"
#include "emotion/emotion_classifier.h"
#include "emotion/va_regressor.h"
#include "mood/mood_analyzer.h"
#include "mood/mood_recommender.h"
#include "util/error.h"
#include "util/timer.h"

namespace muse::app {
namespace {

using catalog::Feature;
using nlohmann::json;

std::shared_ptr<const emotion::EmotionClassifier> emotion_model(App& app) {
  return app.model<emotion::EmotionClassifier>("emotion", [&app] {
    auto path = app.path("emotion.model");
    if (!std::filesystem::exists(path)) {
      MUSE_THROW(ErrorCode::kUnavailable, "no emotion model at {}; run `muse emotion train`",
                 path.string());
    }
    return emotion::EmotionClassifier::load(path);
  });
}

/// The valence/arousal regressor is optional: without it the emotions alone place the mood.
std::shared_ptr<const emotion::VaRegressor> va_model(App& app) {
  auto path = app.path("va.model");
  if (!std::filesystem::exists(path)) return nullptr;
  return app.model<emotion::VaRegressor>("va", [&] { return emotion::VaRegressor::load(path); });
}

}  // namespace

json emotions_json(const std::array<float, emotion::kNumLabels>& p) {
  json j = json::object();
  for (int l = 0; l < emotion::kNumLabels; ++l) j[emotion::emotion_name(l)] = tidy_float(p[l]);
  return j;
}

json sentence_json(const mood::SentenceMood& s) {
  return {{"text", s.text},
          {"language", text::language_code(s.language)},
          {"labels", emotion::label_list(s.labels)},
          {"probs", emotions_json(s.probs)},
          {"shares", emotions_json(s.shares)},
          {"valence", tidy_float(s.valence)},
          {"arousal", tidy_float(s.arousal)},
          {"weight", tidy_float(s.weight)}};
}

mood::MoodAnalyzer mood_analyzer(App& app) {
  return mood::MoodAnalyzer(emotion_model(app), va_model(app));
}

mood::MoodResult recommend_mood(const ContentSnapshot& snap, mood::MoodQuery q,
                                const listeners::TasteProfile* profile) {
  mood::MoodRecommender rec(snap.recommender);
  if (!profile) return rec.recommend(q);
  const int n = q.n;
  q.n = std::min(200, n * 3 + 10);
  mood::MoodResult res = rec.recommend(q);
  std::erase_if(res.items, [&](const mood::MoodTrack& t) { return !profile->allowed(t.row); });
  if (static_cast<int>(res.items.size()) > n) res.items.resize(n);
  return res;
}

json run_mood(App& app, const MoodRequest& r) {
  auto clf = emotion_model(app);
  auto va = va_model(app);
  mood::MoodMode mode = mood::mode_from_name(r.mode);
  MUSE_CHECK_ARG(r.tracks.size() <= 100, "at most 100 tracks of your own");
  std::shared_ptr<const ContentSnapshot> snap;
  mood::MoodQuery q;
  if (r.with_tracks) {
    snap = app.content();
    for (const auto& t : r.tracks) q.track_ids.push_back(resolve_track(app, *snap->catalog, t));
  }
  q.mode = mode;
  q.taste = r.taste;
  q.n = r.n;
  q.seed = r.seed;
  q.genre = r.genre;

  Timer timer;
  mood::MoodAnalyzer analyzer(clf, va);
  mood::MoodAnalysis a = analyzer.analyze(r.text);
  const double analyze_ms = timer.millis();
  q.valence = a.valence;
  q.arousal = a.arousal;
  q.distribution = a.distribution;
  mood::MoodResult res;
  if (snap) {
    std::optional<listeners::TasteProfile> profile;
    if (r.listener_id != 0)
      profile = listeners::TasteProfile::build(app.store().all_feedback(r.listener_id),
                                               *snap->catalog, *snap->space);
    res = recommend_mood(*snap, q, profile ? &*profile : nullptr);
  } else {
    res.target = mood::MoodMapper().map(a.valence, a.arousal, a.distribution, mode);
  }
  const double total_ms = timer.millis();

  json sentences = json::array();
  bool regressor_used = false;  // only English sentences go through the EmoBank regressor
  for (const auto& s : a.sentences) {
    sentences.push_back(sentence_json(s));
    regressor_used = regressor_used || s.regressor;
  }
  json features = json::object();
  for (int f = 0; f < catalog::kNumFeatures; ++f) {
    float z = res.target.z[f];
    if (std::isnan(z)) continue;
    json entry = {{"z", tidy_float(z)}};
    if (snap) {
      const auto& space = *snap->space;
      for (int d = 0; d < space.dim(); ++d) {
        if (static_cast<int>(space.features()[d]) == f)
          entry["value"] = tidy_float(space.means()[d] + z * space.stddevs()[d]);
      }
    }
    features[catalog::feature_name(static_cast<Feature>(f))] = entry;
  }
  json tracks = json::array();
  for (const auto& it : res.items) {
    tracks.push_back(scored_track_json(snap->catalog->track(it.row), it.score, it.reason));
  }
  return {{"sentences", sentences},
          {"skipped_sentences", a.skipped_sentences},
          {"language", text::language_code(a.language)},
          {"distribution", emotions_json(a.distribution)},
          {"dominant", emotion::emotion_name(a.dominant())},
          {"valence", tidy_float(a.valence)},
          {"arousal", tidy_float(a.arousal)},
          {"quadrant", mood::quadrant_name(a.valence, a.arousal)},
          {"valence_arousal_source",
           regressor_used ? "emotions + EmoBank regressor (English sentences)" : "emotions"},
          {"mode", mood::mode_name(mode)},
          {"target",
           {{"valence", tidy_float(res.target.valence)},
            {"arousal", tidy_float(res.target.arousal)},
            {"quadrant", res.target.quadrant},
            {"features", features}}},
          {"tracks", tracks},
          {"timing_ms", {{"analyze", analyze_ms}, {"total", total_ms}}}};
}

}  // namespace muse::app
