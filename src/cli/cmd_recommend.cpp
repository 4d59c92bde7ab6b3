// muse recommend --track ID|NAME ... [-n N] [--genre G] [--json]
#include <cstdio>

#include "app/track_json.h"
#include "cli/command.h"
#include "util/text.h"

namespace muse::cli {
namespace {

/// A track argument is an id in the catalogue, or a name resolved through search.
std::string resolve_track(Context& ctx, const catalog::Catalog& cat, const std::string& arg) {
  if (cat.find(arg)) return arg;
  auto hits = ctx.app().store().search_tracks(arg, 1);
  if (hits.empty()) MUSE_THROW(ErrorCode::kNotFound, "no track with id or name '{}'", arg.substr(0, 80));
  return hits.front().track.id;
}

Command cmd([](CLI::App& root, Context& ctx) {
  struct Opts {
    std::vector<std::string> tracks;
    int n = 10;
    std::string genre;
    int per_artist = 2;
    bool json = false, exact = false;
  };
  auto o = std::make_shared<Opts>();
  auto* s = root.add_subcommand("recommend", "more like these: tracks that sound like the seeds");
  s->add_option("-t,--track", o->tracks, "seed track id or name (repeatable)")->required();
  s->add_option("-n,--limit", o->n, "how many (1..1000)")->default_val(10);
  s->add_option("--genre", o->genre, "only tracks of this genre");
  s->add_option("--max-per-artist", o->per_artist, "artist diversity cap (0 = none)")->default_val(2);
  s->add_flag("--exact", o->exact, "use the exact index instead of HNSW");
  s->add_flag("--json", o->json, "JSON output");
  s->callback([&ctx, o] {
    auto snap = ctx.app().content();
    recommend::ContentQuery q;
    for (const auto& t : o->tracks) q.track_ids.push_back(resolve_track(ctx, *snap->catalog, t));
    q.n = o->n;
    q.genre = o->genre;
    q.max_per_artist = o->per_artist;
    const recommend::ContentRecommender* rec = snap->recommender.get();
    std::unique_ptr<recommend::ContentRecommender> exact;
    if (o->exact) {
      exact = std::make_unique<recommend::ContentRecommender>(snap->catalog, snap->space, snap->exact);
      rec = exact.get();
    }
    auto res = rec->recommend(q);
    if (o->json) {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& r : res.items) {
        arr.push_back(recommendation_to_json(snap->catalog->track(r.row), r));
      }
      print_json({{"recommendations", arr}});
      return;
    }
    std::printf("Because you like: ");
    for (size_t i = 0; i < q.track_ids.size(); ++i) {
      const auto& t = snap->catalog->track(*snap->catalog->find(q.track_ids[i]));
      std::printf("%s%s — %s", i ? "; " : "", t.name.c_str(), t.primary_artist().c_str());
    }
    std::printf("\n");
    int i = 0;
    for (const auto& r : res.items) {
      const auto& t = snap->catalog->track(r.row);
      std::printf("%2d. %s — %s  (%.3f)\n    %s\n", ++i, t.name.c_str(), join(t.artists, ", ").c_str(),
                  r.score, r.reason.c_str());
    }
  });
});

}  // namespace
}  // namespace muse::cli
