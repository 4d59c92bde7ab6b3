// Catalogue routes: search, one track, genres, and "more like these" recommendations.
#include "app/app.h"
#include "app/track_json.h"
#include "server/router.h"
#include "util/error.h"

namespace muse::server {
namespace {

using nlohmann::json;

const json kTrackSchema = {
    {"type", "object"},
    {"properties",
     {{"track_id", {{"type", "string"}}},
      {"name", {{"type", "string"}}},
      {"artists", {{"type", "array"}, {"items", {{"type", "string"}}}}},
      {"album", {{"type", "string"}}},
      {"genres", {{"type", "array"}, {"items", {{"type", "string"}}}}},
      {"popularity", {{"type", "integer"}}},
      {"features", {{"type", "object"}, {"additionalProperties", {{"type", "number"}}}}}}}};

json with(json base, json extra) {
  base["properties"].update(extra);
  return base;
}

Routes routes([](Router& r, app::App& app) {
  r.get("/api/v1/tracks/search",
        {.summary = "Find tracks by name, artist or album (prefixes work: \"beatl\")",
         .tag = "tracks",
         .query = {{"q", "string", true, "search text"},
                   {"limit", "integer", false, "results, 1..100 (default 10)"}},
         .response_schema = {{"type", "object"},
                             {"properties",
                              {{"results",
                                {{"type", "array"},
                                 {"items", with(kTrackSchema, {{"score", {{"type", "number"}}}})}}}}}}},
        [&app](Request& req) {
          std::string q = req.query("q");
          MUSE_CHECK_ARG(!q.empty(), "query parameter 'q' is required");
          MUSE_CHECK_ARG(q.size() <= 200, "query parameter 'q' is too long ({} bytes, at most 200)", q.size());
          int limit = req.query_int("limit", 10, 1, 100);
          json arr = json::array();
          for (const auto& h : app.store().search_tracks(q, limit)) {
            json j = track_to_json(h.track);
            j["score"] = h.score;
            arr.push_back(std::move(j));
          }
          return json{{"results", std::move(arr)}};
        });

  r.get("/api/v1/tracks/{id}",
        {.summary = "One track with its audio features", .tag = "tracks", .response_schema = kTrackSchema},
        [&app](Request& req) {
          const std::string& id = req.param("id");
          MUSE_CHECK_ARG(id.size() <= 64, "track id is too long ({} bytes)", id.size());
          auto snap = app.content();
          return track_to_json(snap->catalog->track(snap->catalog->require(id)));
        });

  r.get("/api/v1/genres",
        {.summary = "Genre labels in the catalogue (for the recommendations genre filter)",
         .tag = "tracks",
         .response_schema = {{"type", "object"},
                             {"properties",
                              {{"genres", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}}},
        [&app](Request&) { return json{{"genres", app.content()->catalog->genres()}}; });

  r.add_raw("POST", "/api/v1/recommendations",
         {.summary = "More like these: tracks that sound like the seed tracks, each with a reason",
          .tag = "recommendations",
          .request_schema =
              {{"type", "object"},
               {"required", {"tracks"}},
               {"properties",
                {{"tracks", {{"type", "array"}, {"items", {{"type", "string"}}}, {"minItems", 1}, {"maxItems", 1000}}},
                 {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}, {"default", 10}}},
                 {"genre", {{"type", "string"}}},
                 {"max_per_artist", {{"type", "integer"}, {"minimum", 0}, {"default", 2}}},
                 {"style_weight",
                  {{"type", "number"}, {"minimum", 0}, {"maximum", 10},
                   {"default", recommend::ContentQuery::kDefaultStyleWeight}}}}}},
          .response_schema = {{"type", "object"},
                              {"properties",
                               {{"recommendations",
                                 {{"type", "array"},
                                  {"items", with(kTrackSchema, {{"score", {{"type", "number"}}},
                                                                {"reason", {{"type", "string"}}}})}}}}}}},
         // The hottest route: the reply is written directly (same document as
         // recommendation_to_json, checked by tests) instead of through a json tree.
         [&app](Request& req, RawReply& reply) {
           recommend::ContentQuery q;
           q.track_ids = req.body_strings("tracks", 1000);
           MUSE_CHECK_ARG(!q.track_ids.empty(), "field 'tracks' is empty: give at least one seed track id");
           for (const auto& id : q.track_ids) {
             MUSE_CHECK_ARG(!id.empty() && id.size() <= 64, "field 'tracks' has an invalid id '{}'",
                            id.substr(0, 64));
           }
           q.n = req.body_int("limit", 10, 1, recommend::ContentRecommender::kMaxN);
           q.genre = req.body_string("genre", "");
           q.max_per_artist = req.body_int("max_per_artist", 2, 0, 1000);
           const double style = req.body_number("style_weight", recommend::ContentQuery::kDefaultStyleWeight);
           MUSE_CHECK_ARG(style >= 0 && style <= 10, "field 'style_weight' must be 0..10, got {}", style);
           q.style_weight = static_cast<float>(style);
           auto snap = app.content();
           auto res = snap->recommender->recommend(q);
           reply.content_type = "application/json; charset=utf-8";
           std::string& out = reply.body;
           out.reserve(700 * res.items.size() + 32);
           out += "{\"recommendations\":[";
           for (size_t i = 0; i < res.items.size(); ++i) {
             if (i) out.push_back(',');
             append_recommendation_json(out, snap->catalog->track(res.items[i].row), res.items[i]);
           }
           out += "]}";
         });
});

}  // namespace
}  // namespace muse::server
