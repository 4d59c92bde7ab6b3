// POST /api/v1/mood: music for the mood of a text (the diary page calls it).
#include "app/app.h"
#include "app/mood_service.h"
#include "server/auth.h"
#include "server/router.h"
#include "util/error.h"
#include "util/sha256.h"

namespace muse::server {
namespace {

using nlohmann::json;

Routes routes([](Router& r, app::App& app) {
  r.post("/api/v1/mood",
         {.summary = "Emotions of a text (English/Korean) and music that matches or lifts the mood",
          .tag = "mood",
          .request_schema = {{"type", "object"},
                             {"required", {"text"}},
                             {"properties",
                              {{"text",
                                {{"type", "string"}, {"description", "free text, at most 1 MiB"}}},
                               {"mode", {{"type", "string"}, {"enum", {"match", "lift"}}}},
                               {"tracks", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                               {"taste", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
                               {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 200}}},
                               {"seed", {{"type", "integer"}, {"minimum", 0}}},
                               {"genre", {{"type", "string"}}},
                               {"with_tracks", {{"type", "boolean"}}}}}},
          .response_schema = {{"type", "object"},
                              {"properties",
                               {{"sentences", {{"type", "array"}}},
                                {"distribution", {{"type", "object"}}},
                                {"valence", {{"type", "number"}}},
                                {"arousal", {{"type", "number"}}},
                                {"target", {{"type", "object"}}},
                                {"tracks", {{"type", "array"}}}}}}},
         [&app](Request& req) {
           // A bad token is 401 before any work; no token = anonymous, nothing is stored.
           auto who = optional_listener(req, app);
           app::MoodRequest m;
           m.text = req.body_string("text");
           m.mode = req.body_string("mode", "match");
           if (req.has("tracks")) m.tracks = req.body_strings("tracks", 100);
           double taste = req.body_number("taste", 0.0);
           MUSE_CHECK_ARG(taste >= 0 && taste <= 1, "field 'taste' must be in 0..1, got {}", taste);
           m.taste = static_cast<float>(taste);
           m.n = req.body_int("limit", 10, 1, 200);
           m.seed = static_cast<uint64_t>(req.body_int("seed", 0, 0, 2147483647));
           m.genre = req.body_string("genre", "");
           m.with_tracks = req.body_bool("with_tracks", true);
           if (who) m.listener_id = who->id;
           json reply = app::run_mood(app, m);
           if (who) {
             listeners::MoodEntry e;
             for (auto& [label, p] : reply["distribution"].items())
               e.emotions[label] = p.get<double>();
             e.valence = reply["valence"].get<double>();
             e.arousal = reply["arousal"].get<double>();
             e.text_hash = sha256_hex(m.text);
             e.source = "mood";
             reply["mood_id"] = app.store().add_mood(who->id, e);
           }
           return reply;
         });
});

}  // namespace
}  // namespace muse::server
