// muse continue --track ID ... [--title "..."] [--tag T ...] [-n 100] [--tags 10] [--json]
// [--retrain] Continues a playlist from the stored playlists + catalogue. The model is trained on
// first use (or when playlists/tracks changed) and kept in HOME/continuation.model.
#include <cstdio>

#include "app/continuation.h"
#include "cli/command.h"
#include "util/text.h"
#include "util/timer.h"

namespace muse::cli {
namespace {

Command cmd([](CLI::App& root, Context& ctx) {
  struct Opts {
    std::vector<std::string> tracks, tags;
    std::string title, method = "ranker";
    int n = 100, n_tags = 10;
    bool json = false, retrain = false;
  };
  auto o = std::make_shared<Opts>();
  auto* s = root.add_subcommand(
      "continue", "extend a playlist: more songs and tags for a title and some songs");
  s->add_option("-t,--track", o->tracks, "a song already in the playlist (track id; repeatable)");
  s->add_option("--title", o->title, "playlist title");
  s->add_option("--tag", o->tags, "a tag the playlist already has (repeatable)");
  s->add_option("-n,--limit", o->n, "how many songs (0..1000)")->default_val(100);
  s->add_option("--tags", o->n_tags, "how many tags (0..100)")->default_val(10);
  s->add_option(
      "--method", o->method,
      "ranker (default), blend, artist, item_knn, als, playlist_knn, content, popularity");
  s->add_flag("--retrain", o->retrain, "retrain the model from the stored playlists first");
  s->add_flag("--json", o->json, "JSON output");
  s->callback([&ctx, o] {
    auto model = app::continuation_model(ctx.app(), o->retrain, ctx.progress("continuation"));
    cf::ContinuationRequest req{o->title, o->tracks, o->tags, o->n, o->n_tags};
    Timer t;
    auto res =
        model->recommend(std::span<const cf::ContinuationRequest>(&req, 1), o->method).front();
    double ms = t.millis();
    const auto& cat = model->catalog();
    if (o->json) {
      nlohmann::json songs = nlohmann::json::array(), tags = nlohmann::json::array();
      for (const auto& x : res.songs) {
        nlohmann::json j = {{"track_id", x.id}, {"score", x.score}};
        if (auto row = cat.find(x.id)) {
          j["name"] = cat.track(*row).name;
          j["artists"] = cat.track(*row).artists;
        }
        songs.push_back(j);
      }
      for (const auto& x : res.tags) tags.push_back({{"tag", x.tag}, {"score", x.score}});
      print_json({{"songs", songs},
                  {"tags", tags},
                  {"strategy", res.strategy},
                  {"genres", res.genres},
                  {"known_tracks", res.known_tracks},
                  {"unknown_tracks", res.unknown_tracks},
                  {"millis", ms}});
      return;
    }
    if (res.unknown_tracks)
      std::fprintf(stderr, "%zu unknown track ids skipped\n", res.unknown_tracks);
    std::printf("tags: ");
    for (size_t i = 0; i < res.tags.size(); ++i)
      std::printf("%s%s", i ? ", " : "", res.tags[i].tag.c_str());
    std::printf("\nsongs (%s%s%s, %.1f ms):\n", res.strategy.c_str(),
                res.genres.empty() ? "" : ": ", join(res.genres, ", ").c_str(), ms);
    int i = 0;
    for (const auto& x : res.songs) {
      auto row = cat.find(x.id);
      std::printf("%3d. %s — %s  [%s]\n", ++i, row ? cat.track(*row).name.c_str() : x.id.c_str(),
                  row ? join(cat.track(*row).artists, ", ").c_str() : "?", x.id.c_str());
    }
  });
});

}  // namespace
}  // namespace muse::cli
