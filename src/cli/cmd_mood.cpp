// muse mood "TEXT" [--mode match|lift] [--track ID ...] [--taste W] [-n N] [--seed S] [--json]
#include <cstdio>
#include <iostream>
#include <iterator>

#include "cli/command.h"
#include "mood/mood_analyzer.h"
#include "mood/mood_recommender.h"
#include "text/language.h"
#include "util/text.h"
#include "util/timer.h"

namespace muse::cli {
namespace {

using catalog::Feature;

struct Opts {
  std::string text, mode = "match", genre, model, va_model;
  std::vector<std::string> tracks;
  float taste = 0;
  int n = 10, bench = 0;
  uint64_t seed = 0;
  bool json = false;
};

std::string resolve_track(Context& ctx, const catalog::Catalog& cat, const std::string& arg) {
  if (cat.find(arg)) return arg;
  auto hits = ctx.app().store().search_tracks(arg, 1);
  if (hits.empty()) MUSE_THROW(ErrorCode::kNotFound, "no track with id or name '{}'", arg.substr(0, 80));
  return hits.front().track.id;
}

nlohmann::json probs_json(const std::array<float, emotion::kNumLabels>& p) {
  nlohmann::json j = nlohmann::json::object();
  for (int l = 0; l < emotion::kNumLabels; ++l) j[emotion::emotion_name(l)] = p[l];
  return j;
}

std::string top_emotions(const std::array<float, emotion::kNumLabels>& p, int k) {
  std::array<int, emotion::kNumLabels> idx{};
  for (int i = 0; i < emotion::kNumLabels; ++i) idx[i] = i;
  std::sort(idx.begin(), idx.end(), [&](int a, int b) { return p[a] > p[b]; });
  std::string out;
  for (int i = 0; i < k && p[idx[i]] > 0.005f; ++i) {
    out += fmt::format("{}{} {:.0f}%", i ? ", " : "", emotion::emotion_name(idx[i]), 100 * p[idx[i]]);
  }
  return out;
}

void run(Context& ctx, const Opts& o) {
  auto& app = ctx.app();
  std::string textin = o.text;
  if (textin == "-") textin.assign(std::istreambuf_iterator<char>(std::cin), {});
  auto clf = app.model<emotion::EmotionClassifier>("emotion", [&] {
    return emotion::EmotionClassifier::load(o.model.empty() ? app.path("emotion.model") : std::filesystem::path(o.model));
  });
  std::shared_ptr<const emotion::VaRegressor> va;
  auto va_path = o.va_model.empty() ? app.path("va.model") : std::filesystem::path(o.va_model);
  if (!o.va_model.empty() || std::filesystem::exists(va_path)) {
    va = app.model<emotion::VaRegressor>("va", [&] { return emotion::VaRegressor::load(va_path); });
  }
  mood::MoodAnalyzer analyzer(clf, va);
  mood::MoodMode mode = mood::mode_from_name(o.mode);

  std::shared_ptr<const app::ContentSnapshot> snap;
  std::string catalog_note;
  try {
    snap = app.content();
  } catch (const MuseError& e) {
    if (e.code() != ErrorCode::kUnavailable) throw;
    catalog_note = e.what();
  }
  std::unique_ptr<mood::MoodRecommender> rec;
  mood::MoodQuery q;
  q.mode = mode;
  q.taste = o.taste;
  q.n = o.n;
  q.seed = o.seed;
  q.genre = o.genre;
  if (snap) {
    rec = std::make_unique<mood::MoodRecommender>(snap->recommender);
    for (const auto& t : o.tracks) q.track_ids.push_back(resolve_track(ctx, *snap->catalog, t));
  } else {
    MUSE_CHECK_ARG(o.tracks.empty(), "--track needs a catalogue: {}", catalog_note);
  }

  // In-process timing: text -> analysis -> tracks (models and catalogue already loaded).
  Timer timer;
  mood::MoodAnalysis a = analyzer.analyze(textin);
  double analyze_ms = timer.millis();
  mood::MoodResult res;
  mood::MoodMapper mapper;
  q.valence = a.valence;
  q.arousal = a.arousal;
  q.distribution = a.distribution;
  if (rec) {
    res = rec->recommend(q);
  } else {
    res.target = mapper.map(a.valence, a.arousal, a.distribution, mode);
  }
  double total_ms = timer.millis();
  double bench_ms = 0;
  if (o.bench > 0) {
    Timer bt;
    for (int i = 0; i < o.bench; ++i) {
      auto a2 = analyzer.analyze(textin);
      mood::MoodQuery q2 = q;
      q2.valence = a2.valence;
      q2.arousal = a2.arousal;
      q2.distribution = a2.distribution;
      if (rec) {
        auto r2 = rec->recommend(q2);
        if (r2.items.size() > 1000) std::abort();
      }
    }
    bench_ms = bt.millis() / o.bench;
  }

  nlohmann::json target = nlohmann::json::object();
  if (snap) {
    const auto& space = *snap->space;
    for (int d = 0; d < space.dim(); ++d) {
      Feature f = space.features()[d];
      float z = res.target.z[static_cast<int>(f)];
      if (std::isnan(z)) continue;
      target[catalog::feature_name(f)] = {{"z", z}, {"value", space.raw(d, res.query.empty() ? 0.f : space.weights()[d] * z)}};
    }
  } else {
    for (int f = 0; f < catalog::kNumFeatures; ++f) {
      if (!std::isnan(res.target.z[f])) target[catalog::feature_name(static_cast<Feature>(f))] = {{"z", res.target.z[f]}};
    }
  }
  if (o.json) {
    nlohmann::json sentences = nlohmann::json::array();
    for (const auto& s : a.sentences) {
      sentences.push_back({{"text", s.text}, {"language", text::language_code(s.language)},
                           {"labels", emotion::label_list(s.labels)}, {"probs", probs_json(s.probs)},
                           {"shares", probs_json(s.shares)},
                           {"valence", s.valence}, {"arousal", s.arousal}, {"weight", s.weight}});
    }
    nlohmann::json tracks = nlohmann::json::array();
    for (const auto& it : res.items) {
      const auto& t = snap->catalog->track(it.row);
      tracks.push_back({{"track_id", t.id}, {"name", t.name}, {"artists", t.artists},
                        {"valence", t.feature(Feature::kValence)}, {"energy", t.feature(Feature::kEnergy)},
                        {"tempo", t.feature(Feature::kTempo)}, {"score", it.score}, {"reason", it.reason},
                        {"genres", t.genres}});
    }
    nlohmann::json j = {{"sentences", sentences},
                        {"skipped_sentences", a.skipped_sentences},
                        {"language", text::language_code(a.language)},
                        {"distribution", probs_json(a.distribution)},
                        {"dominant", emotion::emotion_name(a.dominant())},
                        {"valence", a.valence},
                        {"arousal", a.arousal},
                        {"valence_arousal_source", va ? "emotions+emobank_regressor(en)" : "emotions"},
                        {"mode", mood::mode_name(mode)},
                        {"target", {{"valence", res.target.valence}, {"arousal", res.target.arousal},
                                    {"quadrant", res.target.quadrant}, {"features", target}}},
                        {"tracks", tracks},
                        {"timing_ms", {{"analyze", analyze_ms}, {"total", total_ms}}}};
    if (o.bench > 0) j["timing_ms"]["bench_mean_total"] = bench_ms;
    if (!catalog_note.empty()) j["note"] = catalog_note;
    print_json(j);
    return;
  }
  for (const auto& s : a.sentences) {
    std::printf("[%s] %s\n      %s  (v %+.2f, a %+.2f)\n", text::language_code(s.language), s.text.c_str(),
                top_emotions(s.shares, 3).c_str(), s.valence, s.arousal);
  }
  std::printf("mood: %s  valence %+.2f  arousal %+.2f  (%s)\n", top_emotions(a.distribution, 4).c_str(),
              a.valence, a.arousal, mood::quadrant_name(a.valence, a.arousal));
  std::printf("%s target (%s, v %+.2f a %+.2f): %s\n", mood::mode_name(mode), res.target.quadrant.c_str(),
              res.target.valence, res.target.arousal, target.dump().c_str());
  if (!catalog_note.empty()) std::printf("no tracks: %s\n", catalog_note.c_str());
  int i = 0;
  for (const auto& it : res.items) {
    const auto& t = snap->catalog->track(it.row);
    std::printf("%2d. %s — %s  (%.3f)\n    %s\n", ++i, t.name.c_str(), join(t.artists, ", ").c_str(), it.score,
                it.reason.c_str());
  }
  std::printf("analysis %.2f ms, analysis + tracks %.2f ms", analyze_ms, total_ms);
  if (o.bench > 0) std::printf(", mean over %d repeats %.3f ms", o.bench, bench_ms);
  std::printf("\n");
}

Command cmd([](CLI::App& root, Context& ctx) {
  auto o = std::make_shared<Opts>();
  auto* s = root.add_subcommand("mood", "music for the mood of a text (English or Korean)");
  s->add_option("text", o->text, "the text (\"-\" reads stdin)")->required();
  s->add_option("--mode", o->mode, "match (feels like the text) or lift (gradually brighter)")->default_val("match");
  s->add_option("-t,--track", o->tracks, "your own track id or name (repeatable)");
  s->add_option("--taste", o->taste, "weight of your tracks vs the mood, 0..1")->default_val(0);
  s->add_option("-n,--limit", o->n, "how many tracks (1..200)")->default_val(10);
  s->add_option("--seed", o->seed, "seed for variety among near-ties")->default_val(0);
  s->add_option("--genre", o->genre, "only tracks of this genre");
  s->add_option("--model", o->model, "emotion model (default HOME/emotion.model)");
  s->add_option("--va-model", o->va_model, "valence/arousal model (default HOME/va.model if present)");
  s->add_option("--bench", o->bench, "repeat analysis + recommendation this many times and report the mean");
  s->add_flag("--json", o->json, "JSON output");
  s->callback([&ctx, o] { run(ctx, *o); });
});

}  // namespace
}  // namespace muse::cli
