// POST /api/v1/playlists/continue: more songs and tags for a half-built playlist.
#include "app/continuation.h"
#include "server/router.h"

namespace muse::server {
namespace {
using nlohmann::json;

Routes routes([](Router& r, app::App& app) {
  r.post(
      "/api/v1/playlists/continue",
      {.summary =
           "Continue a playlist: up to 1000 more songs and 100 tags from its title, songs and tags",
       .tag = "playlists",
       .request_schema = {{"type", "object"},
                          {"properties",
                           {{"tracks", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                            {"title", {{"type", "string"}}},
                            {"tags", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                            {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}}},
                            {"tags_limit",
                             {{"type", "integer"}, {"minimum", 0}, {"maximum", 100}}}}}},
       .response_schema = {{"type", "object"},
                           {"properties",
                            {{"songs", {{"type", "array"}}},
                             {"tags", {{"type", "array"}}},
                             {"strategy", {{"type", "string"}}},
                             {"genres", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                             {"unknown_tracks", {{"type", "integer"}}}}}}},
      [&app](Request& req) {
        cf::ContinuationRequest q;
        if (req.has("tracks")) q.track_ids = req.body_strings("tracks", 5000);
        if (req.has("tags")) q.tags = req.body_strings("tags", 100);
        q.title = req.body_string("title", "");
        q.n_songs = req.body_int("limit", 100, 1, 1000);
        q.n_tags = req.body_int("tags_limit", 10, 0, 100);
        auto model = app::continuation_model(app);
        auto res = model->recommend(std::span<const cf::ContinuationRequest>(&q, 1)).front();
        const auto& cat = model->catalog();
        json songs = json::array(), tags = json::array();
        for (const auto& s : res.songs) {
          json j = {{"track_id", s.id}, {"score", s.score}};
          if (auto row = cat.find(s.id)) {
            j["name"] = cat.track(*row).name;
            j["artists"] = cat.track(*row).artists;
            j["album"] = cat.track(*row).album;
          }
          songs.push_back(std::move(j));
        }
        for (const auto& t : res.tags) tags.push_back({{"tag", t.tag}, {"score", t.score}});
        return json{{"songs", songs},
                    {"tags", tags},
                    {"strategy", res.strategy},
                    {"genres", res.genres},
                    {"known_tracks", res.known_tracks},
                    {"unknown_tracks", res.unknown_tracks}};
      });
});

}  // namespace
}  // namespace muse::server
