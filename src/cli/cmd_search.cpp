// muse search "QUERY" [-n N] [--json]
#include <cstdio>

#include "app/track_json.h"
#include "cli/command.h"
#include "util/text.h"

namespace muse::cli {
namespace {

Command cmd([](CLI::App& root, Context& ctx) {
  struct Opts {
    std::string query;
    int n = 10;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* s = root.add_subcommand("search", "find tracks by name, artist or album");
  s->add_option("query", o->query, "search text (prefixes work: \"beatl\")")->required();
  s->add_option("-n,--limit", o->n, "results (1..1000)")->default_val(10);
  s->add_flag("--json", o->json, "JSON output");
  s->callback([&ctx, o] {
    auto hits = ctx.app().store().search_tracks(o->query, o->n);
    if (o->json) {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& h : hits) {
        auto j = track_to_json(h.track);
        j["score"] = h.score;
        arr.push_back(j);
      }
      print_json({{"results", arr}});
      return;
    }
    if (hits.empty()) std::printf("no tracks match \"%s\"\n", o->query.c_str());
    for (const auto& h : hits) {
      std::printf("%s  %s — %s  [%s] pop %d\n", h.track.id.c_str(), h.track.name.c_str(),
                  join(h.track.artists, ", ").c_str(), h.track.album.c_str(), h.track.popularity);
    }
  });
});

}  // namespace
}  // namespace muse::cli
