// Listeners, their feedback, moods, likes and personal recommendations; operators' admin
// routes. Every /listeners/{id} route goes through require_self_or_admin: another
// listener's id is a 404, exactly like an id that does not exist.
#include <charconv>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "app/app.h"
#include "app/listener_recs.h"
#include "app/track_json.h"
#include "server/auth.h"
#include "server/router.h"
#include "util/error.h"

namespace muse::server {
namespace {

using nlohmann::json;

constexpr size_t kMaxRequestIdBytes = 128;
constexpr size_t kMaxListIdBytes = 128;

/// A text field within `max` bytes; 400 naming the field otherwise.
void check_length(const std::string& field, const std::string& value, size_t max) {
  MUSE_CHECK_ARG(value.size() <= max, "field '{}' is too long ({} bytes, at most {})", field,
                 value.size(), max);
}

json listener_json(const storage::Listener& l) {
  return {{"id", l.id}, {"name", l.name}, {"created_ms", l.created_ms}};
}

json or_null(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json feedback_json(const listeners::Feedback& f) {
  json ctx = json::parse(f.context.empty() ? "{}" : f.context, nullptr, false);
  if (ctx.is_discarded()) ctx = json::object();
  return {{"id", f.id},
          {"track_id", or_null(f.track_id)},
          {"artist", or_null(f.artist)},
          {"kind", listeners::feedback_kind_name(f.kind)},
          {"rating", f.kind == listeners::FeedbackKind::kRating ? json(f.rating) : json(nullptr)},
          {"created_ms", f.created_ms},
          {"context", ctx}};
}

/// The context object of a feedback request: {"source": one of the app's surfaces,
/// "list_id": "..."}, other keys kept verbatim (the store caps the whole at 4 KiB).
std::string context_from(const Request& req) {
  if (!req.has("context")) return "";
  const json& c = req.json()["context"];
  MUSE_CHECK_ARG(c.is_object(), "field 'context' must be an object, got {}", c.type_name());
  static const std::unordered_set<std::string> kSources = {
      "recommendations", "mood", "chat", "map", "continue", "discover"};
  if (c.contains("source") && !c["source"].is_null()) {
    MUSE_CHECK_ARG(c["source"].is_string(), "field 'context.source' must be a string");
    std::string s = c["source"].get<std::string>();
    MUSE_CHECK_ARG(kSources.count(s),
                   "field 'context.source' must be recommendations, mood, chat, map, continue or "
                   "discover, got '{}'",
                   s.substr(0, 40));
  }
  if (c.contains("list_id") && !c["list_id"].is_null()) {
    MUSE_CHECK_ARG(c["list_id"].is_string(), "field 'context.list_id' must be a string");
    check_length("context.list_id", c["list_id"].get<std::string>(), kMaxListIdBytes);
  }
  std::string out = c.dump(-1, ' ', false, json::error_handler_t::strict);
  MUSE_CHECK_ARG(out.size() <= listeners::kMaxContextBytes,
                 "field 'context' is too long ({} bytes as JSON, at most {})", out.size(),
                 listeners::kMaxContextBytes);
  return out;
}

int64_t parse_id(const std::string& raw, const char* what) {
  int64_t id = 0;
  auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), id);
  MUSE_CHECK_ARG(ec == std::errc() && p == raw.data() + raw.size() && id > 0,
                 "{} must be a positive integer, got '{}'", what, raw.substr(0, 40));
  return id;
}

std::string new_list_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("rl_{:016x}", rng());
}

/// 401 without a token, 403 with a token that is not the admin's.
void require_admin(const Request& req, app::App& app) {
  if (is_admin(req, app)) return;
  if (bearer_token(req).empty())
    MUSE_THROW(ErrorCode::kUnauthenticated,
               "this endpoint needs the admin token (Authorization: Bearer …)");
  MUSE_THROW(ErrorCode::kPermissionDenied, "this endpoint needs the admin token");
}

json listener_reply(app::App& app, int64_t id) {
  auto l = app.store().get_listener(id);
  if (!l) MUSE_THROW(ErrorCode::kNotFound, "no listener {}", id);
  return {{"listener", listener_json(*l)}, {"feedback_count", app.store().feedback_count(id)}};
}

Routes routes([](Router& r, app::App& app) {
  r.post("/api/v1/listeners",
         {.summary = "Create a listener and its API token (shown once)",
          .tag = "listeners",
          .request_schema = {{"type", "object"},
                             {"properties", {{"name", {{"type", "string"}, {"maxLength", 256}}}}}},
          .per_ip_limit = true},
         [&app](Request& req) {
           std::string name = req.body().empty() ? "" : req.body_string("name", "");
           check_length("name", name, listeners::kMaxNameBytes);
           auto nl = app.store().create_listener(name);
           req.set_status(201);
           return json{{"listener", listener_json(nl.listener)}, {"token", nl.token}};
         });

  r.get("/api/v1/listeners/me",
        {.summary = "The listener the token belongs to", .tag = "listeners"},
        [&app](Request& req) { return listener_reply(app, require_listener(req, app).id); });

  r.get(
      "/api/v1/listeners/{id}", {.summary = "A listener (self or admin)", .tag = "listeners"},
      [&app](Request& req) { return listener_reply(app, require_self_or_admin(req, app, "id")); });

  r.del("/api/v1/listeners/{id}",
        {.summary = "Delete a listener and all their data (self or admin)", .tag = "listeners"},
        [&app](Request& req) {
          int64_t id = require_self_or_admin(req, app, "id");
          if (!app.store().delete_listener(id))
            MUSE_THROW(ErrorCode::kNotFound, "no listener {}", id);
          return json{{"deleted", true}};
        });

  r.post(
      "/api/v1/listeners/{id}/feedback",
      {.summary =
           "Record a like, dislike, skip or 1-5 rating of a track (or like/dislike an artist)",
       .tag = "listeners",
       .request_schema = {{"type", "object"},
                          {"required", {"kind"}},
                          {"properties",
                           {{"track_id", {{"type", "string"}}},
                            {"artist", {{"type", "string"}}},
                            {"kind",
                             {{"type", "string"}, {"enum", {"like", "dislike", "skip", "rating"}}}},
                            {"rating", {{"type", "integer"}, {"minimum", 1}, {"maximum", 5}}},
                            {"context", {{"type", "object"}}},
                            {"request_id", {{"type", "string"}, {"maxLength", 128}}}}}}},
      [&app](Request& req) {
        int64_t id = require_self_or_admin(req, app, "id");
        listeners::Feedback f;
        f.kind = listeners::parse_feedback_kind(req.body_string("kind"));
        f.track_id = req.body_string("track_id", "");
        f.artist = req.body_string("artist", "");
        check_length("track_id", f.track_id, listeners::kMaxIdBytes);
        check_length("artist", f.artist, listeners::kMaxNameBytes);
        MUSE_CHECK_ARG(f.track_id.empty() != f.artist.empty(),
                       "give exactly one of 'track_id' or 'artist'");
        if (f.kind == listeners::FeedbackKind::kRating) {
          f.rating = req.body_int("rating", 0, 1, 5);
          MUSE_CHECK_ARG(f.rating != 0, "field 'rating' (1..5) is required when kind is 'rating'");
        } else {
          MUSE_CHECK_ARG(!req.has("rating"),
                         "field 'rating' is only allowed when kind is 'rating'");
        }
        f.context = context_from(req);
        f.request_id = req.body_string("request_id", "");
        check_length("request_id", f.request_id, kMaxRequestIdBytes);
        if (!f.track_id.empty()) {
          auto snap = app.content();
          if (!snap->catalog->find(f.track_id))
            MUSE_THROW(ErrorCode::kNotFound, "no track '{}' in the catalogue",
                       f.track_id.substr(0, 80));
        }
        f.created_ms = listeners::now_ms();
        f.id = app.store().add_feedback(id, f);
        req.set_status(201);
        return json{{"feedback", feedback_json(f)}};
      });

  r.get("/api/v1/listeners/{id}/feedback",
        {.summary = "The listener's feedback, newest first (keyset paging with before=)",
         .tag = "listeners",
         .query = {{"limit", "integer", false, "1..1000, default 50"},
                   {"before", "integer", false,
                    "only ids below this (next_before of the last page)"}}},
        [&app](Request& req) {
          int64_t id = require_self_or_admin(req, app, "id");
          storage::FeedbackPage page;
          page.limit = req.query_int("limit", 50, 1, 1000);
          page.before_id = req.has_query("before")
                               ? parse_id(req.query("before"), "query parameter 'before'")
                               : 0;
          auto rows = app.store().list_feedback(id, page);
          json arr = json::array();
          for (const auto& f : rows) arr.push_back(feedback_json(f));
          json next =
              static_cast<int>(rows.size()) == page.limit ? json(rows.back().id) : json(nullptr);
          return json{{"feedback", arr}, {"next_before", next}};
        });

  r.del("/api/v1/listeners/{id}/feedback/{fid}",
        {.summary = "Undo one feedback event", .tag = "listeners"}, [&app](Request& req) {
          int64_t id = require_self_or_admin(req, app, "id");
          int64_t fid = parse_id(req.param("fid"), "feedback id");
          if (!app.store().delete_feedback(id, fid))
            MUSE_THROW(ErrorCode::kNotFound, "no feedback {}", fid);
          return json{{"deleted", true}};
        });

  r.get("/api/v1/listeners/{id}/recommendations",
        {.summary = "Recommendations learned from the listener's feedback (optional seeds)",
         .tag = "listeners",
         .query = {{"limit", "integer", false, "1..200, default 10"},
                   {"track", "string", false, "seed track id (repeatable); none = for you"},
                   {"neighbours", "integer", false,
                    "0..100 'listeners who felt like you liked', default 10"},
                   {"genre", "string", false, "only this genre"}}},
        [&app](Request& req) {
          int64_t id = require_self_or_admin(req, app, "id");
          recommend::ContentQuery q;
          q.n = req.query_int("limit", 10, 1, 200);
          q.track_ids = req.query_all("track");
          MUSE_CHECK_ARG(q.track_ids.size() <= 100, "at most 100 'track' seeds, got {}",
                         q.track_ids.size());
          for (const auto& t : q.track_ids) check_length("track", t, listeners::kMaxIdBytes);
          q.genre = req.query("genre", "");
          check_length("genre", q.genre, 128);
          int neighbours = req.query_int("neighbours", 10, 0, 100);
          auto pr = app::recommend_for_listener(app, id, q, neighbours);
          const auto& cat = *pr.snapshot->catalog;
          json recs = json::array(), nb = json::array();
          for (const auto& item : pr.result.items)
            recs.push_back(recommendation_to_json(cat.track(item.row), item));
          for (const auto& v : pr.neighbour_likes) {
            auto row = cat.find(v.track_id);
            if (!row) continue;
            json j = track_to_json(cat.track(*row));
            j["score"] = v.score;
            j["reason"] = fmt::format("liked by {} listener{} who felt like you", v.listeners,
                                      v.listeners == 1 ? "" : "s");
            nb.push_back(std::move(j));
          }
          return json{{"recommendations", recs},
                      {"seeds", pr.seeds},
                      {"neighbour_likes", nb},
                      {"list_id", new_list_id()},
                      {"banned_artists", pr.banned_artists},
                      {"feedback_events", pr.feedback_events}};
        });

  r.get("/api/v1/listeners/{id}/likes",
        {.summary =
             "Tracks the listener liked or rated 4-5 (their latest word per track), newest first",
         .tag = "listeners",
         .query = {{"limit", "integer", false, "1..1000, default 100"}}},
        [&app](Request& req) {
          int64_t id = require_self_or_admin(req, app, "id");
          int limit = req.query_int("limit", 100, 1, 1000);
          auto events = app.store().all_feedback(id);  // oldest first
          std::unordered_map<std::string, const listeners::Feedback*> last;
          for (const auto& f : events) {
            if (f.track_id.empty() || f.kind == listeners::FeedbackKind::kSkip) continue;
            last[f.track_id] = &f;
          }
          auto snap = app.content();
          json arr = json::array();
          for (auto it = events.rbegin();
               it != events.rend() && static_cast<int>(arr.size()) < limit; ++it) {
            if (it->track_id.empty()) continue;
            auto l = last.find(it->track_id);
            if (l == last.end() || l->second != &*it) continue;  // not the latest word on it
            bool liked = it->kind == listeners::FeedbackKind::kLike ||
                         (it->kind == listeners::FeedbackKind::kRating && it->rating >= 4);
            if (!liked) continue;
            auto row = snap->catalog->find(it->track_id);
            if (!row) continue;  // no longer in the catalogue
            json j = track_to_json(snap->catalog->track(*row));
            j["kind"] = listeners::feedback_kind_name(it->kind);
            j["rating"] =
                it->kind == listeners::FeedbackKind::kRating ? json(it->rating) : json(nullptr);
            j["created_ms"] = it->created_ms;
            arr.push_back(std::move(j));
          }
          return json{{"tracks", arr}};
        });

  r.get("/api/v1/listeners/{id}/moods",
        {.summary = "The listener's mood history, newest first",
         .tag = "listeners",
         .query = {{"limit", "integer", false, "1..1000, default 50"}}},
        [&app](Request& req) {
          int64_t id = require_self_or_admin(req, app, "id");
          int limit = req.query_int("limit", 50, 1, 1000);
          json arr = json::array();
          for (const auto& m : app.store().list_moods(id, limit)) {
            arr.push_back({{"id", m.id},
                           {"created_ms", m.created_ms},
                           {"valence", m.valence},
                           {"arousal", m.arousal},
                           {"emotions", m.emotions},
                           {"source", m.source}});
          }
          return json{{"moods", arr}};
        });

  r.get("/api/v1/admin/listeners",
        {.summary = "Operators: listeners by id (admin token)",
         .tag = "admin",
         .query = {{"limit", "integer", false, "1..1000, default 100"},
                   {"after", "integer", false, "only ids above this"}}},
        [&app](Request& req) {
          require_admin(req, app);
          int limit = req.query_int("limit", 100, 1, 1000);
          int64_t after =
              req.has_query("after") ? parse_id(req.query("after"), "query parameter 'after'") : 0;
          auto rows = app.store().list_listeners(limit, after);
          json arr = json::array();
          for (const auto& l : rows) arr.push_back(listener_json(l));
          json next = static_cast<int>(rows.size()) == limit ? json(rows.back().id) : json(nullptr);
          return json{
              {"listeners", arr}, {"next_after", next}, {"total", app.store().listener_count()}};
        });

  r.del(
      "/api/v1/admin/listeners/{id}",
      {.summary = "Operators: delete a listener and all their data (admin token)", .tag = "admin"},
      [&app](Request& req) {
        require_admin(req, app);
        int64_t id = parse_id(req.param("id"), "listener id");
        if (!app.store().delete_listener(id))
          MUSE_THROW(ErrorCode::kNotFound, "no listener {}", id);
        return json{{"deleted", true}};
      });
});

}  // namespace
}  // namespace muse::server
