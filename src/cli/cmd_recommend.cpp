// muse recommend --track ID|NAME ... [-n N] [--genre G] [--json]
#include <cstdio>

#include "app/track_json.h"
#include "cli/command.h"
#include "index/exact_index.h"
#include "util/text.h"

namespace muse::cli {
namespace {

Command cmd([](CLI::App& root, Context& ctx) {
  struct Opts {
    std::vector<std::string> tracks;
    int n = 10;
    std::string genre;
    int per_artist = 2;
    float style = recommend::ContentQuery::kDefaultStyleWeight;
    bool json = false, exact = false;
    std::string weights;
  };
  auto o = std::make_shared<Opts>();
  auto* s = root.add_subcommand("recommend", "more like these: tracks that sound like the seeds");
  s->add_option("-t,--track", o->tracks, "seed track id or name (repeatable)")->required();
  s->add_option("-n,--limit", o->n, "how many (1..1000)")->default_val(10);
  s->add_option("--genre", o->genre, "only tracks of this genre");
  s->add_option("--max-per-artist", o->per_artist, "artist diversity cap (0 = none)")
      ->default_val(2);
  s->add_option("--style-weight", o->style,
                "how much sharing the seeds' genres counts next to sound (0 = sound only)")
      ->default_val(recommend::ContentQuery::kDefaultStyleWeight)
      ->check(CLI::Range(0.0, 10.0));
  s->add_flag("--exact", o->exact, "use the exact index instead of HNSW");
  s->add_option("--weights", o->weights,
                "feature weights, e.g. \"energy=2,valence=1.5,mode=1\" (uses the exact index)");
  s->add_flag("--json", o->json, "JSON output");
  s->callback([&ctx, o] {
    auto snap = ctx.app().content();
    recommend::ContentQuery q;
    for (const auto& t : o->tracks)
      q.track_ids.push_back(app::resolve_track(ctx.app(), *snap->catalog, t));
    q.n = o->n;
    q.genre = o->genre;
    q.max_per_artist = o->per_artist;
    q.style_weight = o->style;
    const recommend::ContentRecommender* rec = snap->recommender.get();
    std::unique_ptr<recommend::ContentRecommender> exact;
    if (!o->weights.empty()) {
      // A re-weighted space needs its own vectors; an exact index over them is built in ~10 ms.
      auto space = std::make_shared<catalog::FeatureSpace>(catalog::FeatureSpace::fit(
          *snap->catalog, catalog::FeatureSpaceConfig::parse_weights(o->weights)));
      auto x = space->transform_all(*snap->catalog);
      auto idx = std::make_shared<index::ExactIndex>(space->dim());
      idx->add(x.data(), x.rows());
      exact = std::make_unique<recommend::ContentRecommender>(snap->catalog, space, idx);
      rec = exact.get();
    } else if (o->exact) {
      exact =
          std::make_unique<recommend::ContentRecommender>(snap->catalog, snap->space, snap->exact);
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
      std::printf("%2d. %s — %s  (%.3f)\n    %s\n", ++i, t.name.c_str(),
                  join(t.artists, ", ").c_str(), r.score, r.reason.c_str());
    }
  });
});

}  // namespace
}  // namespace muse::cli
