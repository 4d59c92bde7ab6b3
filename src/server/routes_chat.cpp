// The chat (issue 7): POST /api/v1/chat, GET /api/v1/chat, GET /api/v1/chat/{conversation_id}.
// Listener token required; another listener's conversation answers 404.
#include <charconv>

#include "app/app.h"
#include "app/chat_service.h"
#include "server/auth.h"
#include "server/router.h"
#include "util/error.h"

namespace muse::server {
namespace {

using nlohmann::json;

int64_t positive_id(const json& v, const char* what) {
  MUSE_CHECK_ARG(v.is_number_integer() && v.get<int64_t>() > 0,
                 "field '{}' must be a positive integer", what);
  return v.get<int64_t>();
}

int64_t path_id(const std::string& raw) {
  int64_t id = 0;
  auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), id);
  MUSE_CHECK_ARG(ec == std::errc() && p == raw.data() + raw.size() && id > 0,
                 "conversation id must be a positive integer, got '{}'", raw.substr(0, 32));
  return id;
}

const json kGaugeSchema = {{"type", "object"},
                           {"properties",
                            {{"value", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
                             {"full", {{"type", "boolean"}}},
                             {"messages", {{"type", "integer"}}}}}};

Routes routes([](Router& r, app::App& app) {
  r.post("/api/v1/chat",
         {.summary =
              "One chat turn: Muse replies, the gauge grows; when it is full the reply carries the "
              "conversation's mood and match/lift recommendations",
          .tag = "chat",
          .request_schema =
              {{"type", "object"},
               {"required", {"message"}},
               {"properties",
                {{"conversation_id",
                  {{"type", "integer"}, {"minimum", 1}, {"description", "omit to start one"}}},
                 {"message", {{"type", "string"}, {"description", "1..4000 characters"}}},
                 {"lang", {{"type", "string"}, {"enum", {"en", "ko"}}}},
                 {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 50}}}}}},
          .response_schema = {{"type", "object"},
                              {"properties",
                               {{"conversation_id", {{"type", "integer"}}},
                                {"reply", {{"type", "object"}}},
                                {"message_analysis", {{"type", "object"}}},
                                {"gauge", kGaugeSchema},
                                {"analysis", {{"type", "object"}, {"nullable", true}}},
                                {"recommendations", {{"type", "object"}, {"nullable", true}}}}}}},
         [&app](Request& req) {
           auto who = require_listener(req, app);
           app::ChatRequest c;
           c.listener_id = who.id;
           if (req.has("conversation_id") && !req.json()["conversation_id"].is_null()) {
             c.conversation_id = positive_id(req.json()["conversation_id"], "conversation_id");
           }
           c.message = req.body_string("message");
           c.lang = req.body_string("lang", "");
           c.n = req.body_int("limit", 5, 1, 50);
           return app::chat_turn(app, c);
         });

  r.get("/api/v1/chat",
        {.summary = "The listener's conversations, newest activity first",
         .tag = "chat",
         .query = {{"limit", "integer", false, "1..1000, default 50"}},
         .response_schema = {{"type", "object"},
                             {"properties", {{"conversations", {{"type", "array"}}}}}}},
        [&app](Request& req) {
          auto who = require_listener(req, app);
          return app::list_chats(app, who.id, req.query_int("limit", 50, 1, 1000));
        });

  r.get("/api/v1/chat/{conversation_id}",
        {.summary = "One conversation: its messages (with analyses) and the gauge",
         .tag = "chat",
         .response_schema = {{"type", "object"},
                             {"properties",
                              {{"conversation", {{"type", "object"}}},
                               {"messages", {{"type", "array"}}},
                               {"gauge", kGaugeSchema}}}}},
        [&app](Request& req) {
          auto who = require_listener(req, app);
          return app::get_chat(app, who.id, path_id(req.param("conversation_id")));
        });
});

}  // namespace
}  // namespace muse::server
