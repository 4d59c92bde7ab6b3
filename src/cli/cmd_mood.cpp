// muse mood "TEXT" [--mode match|lift] [--track ID ...] [--taste W] [-n N] [--seed S] [--json]
#include <cstdio>
#include <iostream>
#include <iterator>

#include "app/mood_service.h"
#include "cli/command.h"
#include "util/text.h"
#include "util/timer.h"

namespace muse::cli {
namespace {

using nlohmann::json;

struct Opts {
  app::MoodRequest req;
  int bench = 0;
  bool json = false, no_tracks = false;
};

std::string top(const json& probs, int k) {
  std::vector<std::pair<double, std::string>> v;
  for (auto it = probs.begin(); it != probs.end(); ++it) v.push_back({it.value().get<double>(), it.key()});
  std::sort(v.rbegin(), v.rend());
  std::string out;
  for (int i = 0; i < k && i < static_cast<int>(v.size()) && v[i].first > 0.005; ++i) {
    out += fmt::format("{}{} {:.0f}%", i ? ", " : "", v[i].second, 100 * v[i].first);
  }
  return out;
}

void run(Context& ctx, Opts& o) {
  if (o.req.text == "-") o.req.text.assign(std::istreambuf_iterator<char>(std::cin), {});
  o.req.with_tracks = !o.no_tracks;
  auto& app = ctx.app();
  json j = app::run_mood(app, o.req);  // loads models and the catalogue on first use
  if (o.bench > 0) {
    // In-process, models and catalogue already loaded: text -> analysis -> tracks -> JSON.
    Timer t;
    for (int i = 0; i < o.bench; ++i) j = app::run_mood(app, o.req);
    j["timing_ms"]["bench_repeats"] = o.bench;
    j["timing_ms"]["bench_mean_end_to_end"] = t.millis() / o.bench;
  }
  if (o.json) {
    print_json(j);
    return;
  }
  for (const auto& s : j["sentences"]) {
    std::printf("[%s] %s\n      %s  (v %+.2f, a %+.2f)\n", s["language"].get<std::string>().c_str(),
                s["text"].get<std::string>().c_str(), top(s["shares"], 3).c_str(), s["valence"].get<double>(),
                s["arousal"].get<double>());
  }
  std::printf("mood: %s  valence %+.2f  arousal %+.2f  (%s)\n", top(j["distribution"], 4).c_str(),
              j["valence"].get<double>(), j["arousal"].get<double>(), j["quadrant"].get<std::string>().c_str());
  const auto& t = j["target"];
  std::string feats;
  for (auto it = t["features"].begin(); it != t["features"].end(); ++it) {
    const auto& f = it.value();
    feats += fmt::format("{}{} z{:+.2f}", feats.empty() ? "" : ", ", it.key(), f["z"].get<double>());
    if (f.contains("value")) feats += fmt::format(" (~{:.3g})", f["value"].get<double>());
  }
  std::printf("%s target: %s (v %+.2f, a %+.2f): %s\n", j["mode"].get<std::string>().c_str(),
              t["quadrant"].get<std::string>().c_str(), t["valence"].get<double>(), t["arousal"].get<double>(),
              feats.c_str());
  int i = 0;
  for (const auto& tr : j["tracks"]) {
    std::printf("%2d. %s — %s  (%.3f)\n    %s\n", ++i, tr["name"].get<std::string>().c_str(),
                join(tr["artists"].get<std::vector<std::string>>(), ", ").c_str(), tr["score"].get<double>(),
                tr["reason"].get<std::string>().c_str());
  }
  const auto& tm = j["timing_ms"];
  std::printf("analysis %.2f ms, analysis + tracks %.2f ms", tm["analyze"].get<double>(), tm["total"].get<double>());
  if (tm.contains("bench_mean_end_to_end")) {
    std::printf("; end to end incl. JSON, mean of %d: %.3f ms", o.bench, tm["bench_mean_end_to_end"].get<double>());
  }
  std::printf("\n");
}

Command cmd([](CLI::App& root, Context& ctx) {
  auto o = std::make_shared<Opts>();
  auto* s = root.add_subcommand("mood", "music for the mood of a text (English or Korean)");
  s->add_option("text", o->req.text, "the text (\"-\" reads stdin)")->required();
  s->add_option("--mode", o->req.mode, "match (feels like the text) or lift (gradually brighter)")
      ->default_val("match");
  s->add_option("-t,--track", o->req.tracks, "your own track id or name (repeatable)");
  s->add_option("--taste", o->req.taste, "weight of your tracks vs the mood, 0..1")->default_val(0);
  s->add_option("-n,--limit", o->req.n, "how many tracks (1..200)")->default_val(10);
  s->add_option("--seed", o->req.seed, "seed for variety among near-ties")->default_val(0);
  s->add_option("--genre", o->req.genre, "only tracks of this genre");
  s->add_flag("--no-tracks", o->no_tracks, "analysis and audio target only (no catalogue needed)");
  s->add_option("--bench", o->bench, "repeat the whole call this many times, report the mean");
  s->add_flag("--json", o->json, "JSON output");
  s->callback([&ctx, o] { run(ctx, *o); });
});

}  // namespace
}  // namespace muse::cli
