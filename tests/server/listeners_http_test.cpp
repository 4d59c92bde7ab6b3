// The listener API over a real server on loopback, on SQLite and (with $MUSE_TEST_PG_URL)
// PostgreSQL: tokens, isolation between listeners on every endpoint, injection strings in
// every text field, limits, and recommendations that learn from feedback.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "emotion/datasets.h"
#include "emotion/emotion_classifier.h"
#include "server/server_helpers.h"
#include "util/text.h"

namespace muse::test {
namespace {

using nlohmann::json;
const char* kAdmin = "admin-token-for-tests-0123456789";

struct Who {
  int64_t id = 0;
  std::string token;
};

httplib::Headers auth(const std::string& token) {
  return token.empty() ? httplib::Headers{}
                       : httplib::Headers{{"Authorization", "Bearer " + token}};
}

class ListenersHttp : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { start({}); }

  void start(server::ServerOptions so) {
    srv_.reset();
    app::Options ao;
    ao.admin_token = kAdmin;
    if (GetParam() == "postgresql") {
      std::string why;
      ao.store_url = fresh_pg_url(&why);
      if (ao.store_url.empty()) GTEST_SKIP() << why;
    }
    if (so.rate_limit_per_minute == 600) so.rate_limit_per_minute = 0;
    if (so.create_limit_per_minute == 30) so.create_limit_per_minute = 0;
    so.access_log = false;
    srv_ = std::make_unique<TestServer>(so, ao);
  }

  httplib::Client client() { return srv_->client(); }

  Who create(const std::string& name = "Ann") {
    auto c = client();
    auto r = c.Post("/api/v1/listeners", json{{"name", name}}.dump(), "application/json");
    EXPECT_TRUE(r);
    if (!r) return {};
    EXPECT_EQ(r->status, 201) << r->body;
    auto j = body_json(r);
    return {j["listener"]["id"].get<int64_t>(), j["token"].get<std::string>()};
  }

  httplib::Result get(const std::string& path, const std::string& token) {
    auto c = client();
    return c.Get(path, auth(token));
  }
  httplib::Result post(const std::string& path, const std::string& token, const json& body) {
    auto c = client();
    return c.Post(path, auth(token), body.dump(), "application/json");
  }
  httplib::Result del(const std::string& path, const std::string& token) {
    auto c = client();
    return c.Delete(path, auth(token));
  }
  std::string base(const Who& w) { return "/api/v1/listeners/" + std::to_string(w.id); }

  json feedback(const Who& w, const json& body, int want = 201) {
    auto r = post(base(w) + "/feedback", w.token, body);
    EXPECT_TRUE(r);
    if (!r) return nullptr;
    EXPECT_EQ(r->status, want) << body.dump() << " -> " << r->body;
    return body_json(r);
  }

  int64_t count(const Who& w) { return srv_->app().store().feedback_count(w.id); }

  const catalog::Catalog& cat() { return *srv_->app().content()->catalog; }
  std::vector<std::string> genre(const std::string& g) { return srv_->ids_of_genre(g); }

  std::unique_ptr<TestServer> srv_;
};

TEST_P(ListenersHttp, CreateMeFeedbackPagingAndUndo) {
  Who a = create("Ann");
  auto me = body_json(get("/api/v1/listeners/me", a.token));
  EXPECT_EQ(me["listener"]["id"], a.id);
  EXPECT_EQ(me["listener"]["name"], "Ann");
  EXPECT_EQ(me["feedback_count"], 0);
  EXPECT_EQ(body_json(get(base(a), a.token))["listener"]["name"], "Ann");

  auto ids = genre("dance");
  std::vector<int64_t> fids;
  for (int i = 0; i < 5; ++i) {
    auto j = feedback(a, {{"track_id", ids[i]},
                          {"kind", "rating"},
                          {"rating", 5 - i % 5},
                          {"context", {{"source", "recommendations"}, {"list_id", "rl_1"}}}});
    EXPECT_EQ(j["feedback"]["track_id"], ids[i]);
    EXPECT_EQ(j["feedback"]["kind"], "rating");
    EXPECT_EQ(j["feedback"]["context"]["list_id"], "rl_1");
    EXPECT_GT(j["feedback"]["created_ms"].get<int64_t>(), 0);
    fids.push_back(j["feedback"]["id"].get<int64_t>());
  }
  // Idempotent retry: the same request_id gives the first write's id, no duplicate.
  auto f1 = feedback(a, {{"track_id", ids[6]}, {"kind", "like"}, {"request_id", "retry-1"}});
  auto f2 = feedback(a, {{"track_id", ids[6]}, {"kind", "like"}, {"request_id", "retry-1"}});
  EXPECT_EQ(f1["feedback"]["id"], f2["feedback"]["id"]);
  EXPECT_EQ(count(a), 6);

  auto page = body_json(get(base(a) + "/feedback?limit=4", a.token));
  ASSERT_EQ(page["feedback"].size(), 4u);
  EXPECT_EQ(page["feedback"][0]["id"], f1["feedback"]["id"]);  // newest first
  auto rest =
      body_json(get(base(a) + "/feedback?limit=4&before=" + page["next_before"].dump(), a.token));
  EXPECT_EQ(rest["feedback"].size(), 2u);
  EXPECT_TRUE(rest["next_before"].is_null());

  auto likes = body_json(get(base(a) + "/likes", a.token));
  std::set<std::string> liked;
  for (const auto& t : likes["tracks"]) liked.insert(t["track_id"].get<std::string>());
  // ratings 5, 4 and the like; not 3, 2.
  EXPECT_EQ(liked, (std::set<std::string>{ids[0], ids[1], ids[6]}));

  auto r = del(base(a) + "/feedback/" + std::to_string(fids[0]), a.token);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body_json(r)["deleted"], true);
  EXPECT_EQ(count(a), 5);
  r = del(base(a) + "/feedback/" + std::to_string(fids[0]), a.token);
  EXPECT_EQ(r->status, 404);

  // Bad input: clear 400s naming the field, nothing written.
  for (const json& bad :
       {json{{"kind", "love"}, {"track_id", ids[0]}},
        json{{"kind", "rating"}, {"track_id", ids[0]}},
        json{{"kind", "rating"}, {"track_id", ids[0]}, {"rating", 6}},
        json{{"kind", "like"}, {"track_id", ids[0]}, {"rating", 5}}, json{{"kind", "like"}},
        json{{"kind", "like"}, {"track_id", ids[0]}, {"artist", "X"}},
        json{{"kind", "like"}, {"track_id", ids[0]}, {"context", "str"}},
        json{{"kind", "like"}, {"track_id", ids[0]}, {"context", {{"source", "tv"}}}}}) {
    feedback(a, bad, 400);
  }
  feedback(a, {{"kind", "like"}, {"track_id", "no-such-track"}}, 404);
  EXPECT_EQ(count(a), 5);

  r = del(base(a), a.token);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(get("/api/v1/listeners/me", a.token)->status, 401);  // token died with the listener
}

TEST_P(ListenersHttp, MissingOrBadTokenIs401Everywhere) {
  Who a = create();
  std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/api/v1/listeners/me"},
      {"GET", base(a)},
      {"DELETE", base(a)},
      {"POST", base(a) + "/feedback"},
      {"GET", base(a) + "/feedback"},
      {"DELETE", base(a) + "/feedback/1"},
      {"GET", base(a) + "/recommendations"},
      {"GET", base(a) + "/likes"},
      {"GET", base(a) + "/moods"},
      {"GET", "/api/v1/admin/listeners"},
      {"DELETE", "/api/v1/admin/listeners/" + std::to_string(a.id)}};
  for (const std::string& token :
       {std::string(), std::string("mt_0000000000000001_") + std::string(64, 'a'),
        std::string("nonsense"),
        a.token.substr(0, a.token.size() - 1) + (a.token.back() == 'a' ? "b" : "a")}) {
    for (const auto& [method, path] : routes) {
      auto c = client();
      httplib::Result r =
          method == "GET" ? c.Get(path, auth(token))
          : method == "POST"
              ? c.Post(path, auth(token), R"({"kind":"like","artist":"x"})", "application/json")
              : c.Delete(path, auth(token));
      ASSERT_TRUE(r);
      bool admin_route = path.find("/admin/") != std::string::npos;
      // The admin routes answer a non-admin bearer with 403, no token with 401.
      int want = admin_route && !token.empty() ? 403 : 401;
      EXPECT_EQ(r->status, want) << method << " " << path << " token '" << token
                                 << "': " << r->body;
      EXPECT_TRUE(body_json(r)["error"].contains("request_id"));
    }
  }
  EXPECT_EQ(count(a), 0);
  EXPECT_TRUE(srv_->app().store().get_listener(a.id));
}

TEST_P(ListenersHttp, AListenerCanNeverReadOrChangeAnothersData) {
  Who a = create("A"), b = create("B");
  auto ids = genre("folk");
  int64_t fid =
      feedback(a, {{"track_id", ids[0]}, {"kind", "like"}})["feedback"]["id"].get<int64_t>();
  listeners::MoodEntry m;
  m.emotions = {{"joy", 1.0}};
  m.source = "mood";
  srv_->app().store().add_mood(a.id, m);

  const std::string fa = "/feedback/" + std::to_string(fid);
  auto expect_404 = [&](httplib::Result r, const std::string& what) {
    ASSERT_TRUE(r) << what;
    EXPECT_EQ(r->status, 404) << what << ": " << r->body;
    // The reply must not leak A's rows.
    EXPECT_EQ(r->body.find(ids[0]), std::string::npos) << what;
  };
  expect_404(get(base(a), b.token), "GET listener");
  expect_404(del(base(a), b.token), "DELETE listener");
  expect_404(post(base(a) + "/feedback", b.token, {{"track_id", ids[1]}, {"kind", "dislike"}}),
             "POST feedback");
  expect_404(get(base(a) + "/feedback", b.token), "GET feedback");
  expect_404(del(base(a) + fa, b.token), "DELETE feedback via A's path");
  expect_404(del(base(b) + fa, b.token), "DELETE A's feedback via B's own path");
  expect_404(get(base(a) + "/recommendations?track=" + ids[1], b.token), "GET recommendations");
  expect_404(get(base(a) + "/likes", b.token), "GET likes");
  expect_404(get(base(a) + "/moods", b.token), "GET moods");
  // An id that does not exist looks exactly the same.
  auto none = get("/api/v1/listeners/999999/likes", b.token);
  EXPECT_EQ(none->status, 404);
  // A listener token is not the admin token.
  EXPECT_EQ(get("/api/v1/admin/listeners", b.token)->status, 403);
  EXPECT_EQ(del("/api/v1/admin/listeners/" + std::to_string(a.id), b.token)->status, 403);

  // B's own views show nothing of A.
  EXPECT_TRUE(body_json(get(base(b) + "/feedback", b.token))["feedback"].empty());
  EXPECT_TRUE(body_json(get(base(b) + "/moods", b.token))["moods"].empty());
  EXPECT_TRUE(body_json(get(base(b) + "/likes", b.token))["tracks"].empty());
  // A's data is untouched.
  EXPECT_EQ(count(a), 1);
  EXPECT_EQ(body_json(get(base(a) + "/moods", a.token))["moods"].size(), 1u);
  EXPECT_EQ(count(b), 0);

  // The admin sees and removes anyone.
  auto list = body_json(get("/api/v1/admin/listeners?limit=1", kAdmin));
  EXPECT_EQ(list["listeners"].size(), 1u);
  EXPECT_EQ(list["total"], 2);
  auto after = body_json(get("/api/v1/admin/listeners?after=" + list["next_after"].dump(), kAdmin));
  EXPECT_EQ(after["listeners"].size(), 1u);
  EXPECT_EQ(body_json(get(base(a), kAdmin))["feedback_count"], 1);
  EXPECT_EQ(del("/api/v1/admin/listeners/" + std::to_string(a.id), kAdmin)->status, 200);
  EXPECT_EQ(del("/api/v1/admin/listeners/" + std::to_string(a.id), kAdmin)->status, 404);
  EXPECT_EQ(get("/api/v1/listeners/me", a.token)->status, 401);
  EXPECT_EQ(get("/api/v1/listeners/me", b.token)->status, 200);
}

TEST_P(ListenersHttp, InjectionStringsComeBackVerbatimOrAsA400AndChangeNothingElse) {
  const std::vector<std::string> nasty = {"'; DROP TABLE feedback; --",
                                          "\" OR 1=1 --",
                                          "Robert'); DROP TABLE listeners;--",
                                          "it's \"quoted\" \\ back\\slash",
                                          "%00",
                                          "%27%20OR%20%271%27=%271",
                                          "Beyoncé 방탄소년단 🎧 ﷽",
                                          "<script>alert(1)</script>",
                                          "$1 $$ :name ?",
                                          std::string(200, 'x')};
  Who victim = create("victim");
  auto ids = genre("dance");
  feedback(victim, {{"track_id", ids[0]}, {"kind", "like"}});
  int64_t listeners_before = srv_->app().store().listener_count();
  int expected_listeners = static_cast<int>(listeners_before);

  Who me = create("me");
  ++expected_listeners;
  int64_t my_writes = 0;
  for (const auto& s : nasty) {
    // Display name: verbatim.
    auto c = client();
    auto r = c.Post("/api/v1/listeners", json{{"name", s}}.dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << s;
    ++expected_listeners;
    auto j = body_json(r);
    EXPECT_EQ(j["listener"]["name"], s);
    Who w{j["listener"]["id"].get<int64_t>(), j["token"].get<std::string>()};
    EXPECT_EQ(body_json(get("/api/v1/listeners/me", w.token))["listener"]["name"], s);

    // Artist, context source/list_id/extra keys, request_id: verbatim or a clean 400.
    auto f =
        feedback(me, {{"artist", s},
                      {"kind", "dislike"},
                      {"context", {{"source", "chat"}, {"list_id", s.substr(0, 128)}, {"note", s}}},
                      {"request_id", s.substr(0, 128)}});
    ++my_writes;
    EXPECT_EQ(f["feedback"]["artist"], s);
    EXPECT_EQ(f["feedback"]["context"]["note"], s);
    EXPECT_EQ(f["feedback"]["context"]["list_id"], s.substr(0, 128));
    // An unknown track id is a clean 404, a bad source a clean 400.
    auto miss = feedback(me, {{"track_id", s}, {"kind", "like"}}, 404);
    EXPECT_EQ(miss["error"]["code"], "not_found");
    feedback(me, {{"track_id", ids[1]}, {"kind", "like"}, {"context", {{"source", s}}}}, 400);
    feedback(me, {{"track_id", ids[1]}, {"kind", s}}, 400);
    // Query strings and path segments.
    std::string q = httplib::detail::encode_query_param(s);
    auto rr = get(base(me) + "/recommendations?track=" + q, me.token);
    ASSERT_TRUE(rr);
    EXPECT_TRUE(rr->status == 404 || rr->status == 400)
        << s << " -> " << rr->status << " " << rr->body;
    EXPECT_EQ(get(base(me) + "/feedback?before=" + q, me.token)->status, 400) << s;
    EXPECT_EQ(get(base(me) + "/feedback?limit=" + q, me.token)->status, 400) << s;
    // In a path segment: 400, or 404 when a '/' in it makes a path no route has.
    int st = get("/api/v1/listeners/" + q + "/feedback", me.token)->status;
    EXPECT_TRUE(st == 400 || st == 404) << s << " -> " << st;
    st = del(base(me) + "/feedback/" + q, me.token)->status;
    EXPECT_TRUE(st == 400 || st == 404) << s << " -> " << st;
    EXPECT_EQ(get("/api/v1/admin/listeners?after=" + q, kAdmin)->status, 400) << s;
  }
  // Same request_id again: the first write, not a new one.
  auto again = feedback(me, {{"artist", nasty[0]}, {"kind", "dislike"}, {"request_id", nasty[0]}});
  auto hist = body_json(get(base(me) + "/feedback?limit=1000", me.token));
  ASSERT_EQ(static_cast<int64_t>(hist["feedback"].size()), my_writes);
  EXPECT_EQ(hist["feedback"].back()["id"], again["feedback"]["id"]);
  EXPECT_EQ(hist["feedback"].back()["artist"], nasty[0]);

  // Too long: 400 naming the field, nothing stored.
  std::string huge(5000, 'y');
  auto c = client();
  auto r = c.Post("/api/v1/listeners", json{{"name", huge}}.dump(), "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(body_json(r)["error"]["message"].get<std::string>().find("'name'"), std::string::npos);
  for (const auto& [field, body] : std::vector<std::pair<std::string, json>>{
           {"artist", {{"artist", huge}, {"kind", "like"}}},
           {"track_id", {{"track_id", huge}, {"kind", "like"}}},
           {"request_id", {{"artist", "a"}, {"kind", "like"}, {"request_id", huge}}},
           {"context.list_id",
            {{"artist", "a"}, {"kind", "like"}, {"context", {{"list_id", huge}}}}},
           {"context", {{"artist", "a"}, {"kind", "like"}, {"context", {{"note", huge}}}}}}) {
    auto j = feedback(me, body, 400);
    EXPECT_NE(j["error"]["message"].get<std::string>().find("'" + field + "'"), std::string::npos)
        << j.dump();
  }
  // NUL inside a JSON string: rejected cleanly (PostgreSQL cannot store it), never truncated.
  auto nul = post(base(me) + "/feedback", me.token,
                  {{"artist", std::string("a\0b", 3)}, {"kind", "like"}});
  EXPECT_EQ(nul->status, 400) << nul->body;

  // Nothing else changed: the tables are all there, the victim's row is intact.
  EXPECT_EQ(srv_->app().store().listener_count(), expected_listeners);
  EXPECT_EQ(count(me), my_writes);
  EXPECT_EQ(count(victim), 1);
  auto vf = body_json(get(base(victim) + "/feedback", victim.token));
  ASSERT_EQ(vf["feedback"].size(), 1u);
  EXPECT_EQ(vf["feedback"][0]["track_id"], ids[0]);
}

TEST_P(ListenersHttp, TooManyRequestsIs429WithRetryAfter) {
  server::ServerOptions so;
  so.rate_limit_per_minute = 5;
  so.create_limit_per_minute = 3;
  start(so);
  if (IsSkipped()) return;
  std::vector<Who> made;
  for (int i = 0; i < 3; ++i) made.push_back(create("n" + std::to_string(i)));
  auto c = client();
  auto r = c.Post("/api/v1/listeners", R"({"name":"one too many"})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429) << r->body;
  EXPECT_EQ(body_json(r)["error"]["code"], "resource_exhausted");
  ASSERT_TRUE(r->has_header("Retry-After"));
  int retry = std::stoi(r->get_header_value("Retry-After"));
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 60);
  EXPECT_EQ(srv_->app().store().listener_count(), 3);
  // The admin is not limited.
  r = c.Post("/api/v1/listeners", auth(kAdmin), R"({"name":"ops"})", "application/json");
  EXPECT_EQ(r->status, 201);

  const Who& a = made[0];
  for (int i = 0; i < 5; ++i) EXPECT_EQ(get("/api/v1/listeners/me", a.token)->status, 200) << i;
  r = get("/api/v1/listeners/me", a.token);
  EXPECT_EQ(r->status, 429);
  ASSERT_TRUE(r->has_header("Retry-After"));
  EXPECT_GE(std::stoi(r->get_header_value("Retry-After")), 1);
  auto w = post(base(a) + "/feedback", a.token, {{"artist", "x"}, {"kind", "like"}});
  EXPECT_EQ(w->status, 429);
  EXPECT_EQ(count(a), 0);  // a refused write is not written
  // Another token has its own budget.
  EXPECT_EQ(get("/api/v1/listeners/me", made[1].token)->status, 200);
}

TEST_P(ListenersHttp, DislikedArtistNeverComesBack) {
  Who a = create();
  auto dance = genre("dance");
  for (int i = 0; i < 3; ++i) feedback(a, {{"track_id", dance[i]}, {"kind", "like"}});
  auto first = body_json(get(base(a) + "/recommendations?limit=10", a.token));
  ASSERT_FALSE(first["recommendations"].empty()) << first.dump();
  EXPECT_EQ(first["feedback_events"], 3);
  EXPECT_TRUE(first["list_id"].is_string());
  // Ban the artist of the top recommendation.
  std::string banned = first["recommendations"][0]["artists"][0].get<std::string>();
  feedback(a, {{"artist", banned},
               {"kind", "dislike"},
               {"context", {{"source", "recommendations"}, {"list_id", first["list_id"]}}}});
  int seen_other = 0;
  for (const std::string& q :
       std::vector<std::string>{"?limit=40", "?limit=40&track=" + dance[0], "?limit=5"}) {
    auto after = body_json(get(base(a) + "/recommendations" + q, a.token));
    EXPECT_EQ(after["banned_artists"], 1);
    for (const char* section : {"recommendations", "neighbour_likes"}) {
      for (const auto& t : after[section]) {
        for (const auto& artist : t["artists"]) EXPECT_NE(artist.get<std::string>(), banned) << q;
        ++seen_other;
      }
    }
  }
  EXPECT_GT(seen_other, 10);  // the lists were not simply emptied
}

TEST_P(ListenersHttp, RecommendationsMoveTowardRatedTracks) {
  Who a = create();
  auto folk = genre("folk"), ambient = genre("ambient");
  ASSERT_GE(ambient.size(), 6u);
  feedback(a, {{"track_id", folk[0]}, {"kind", "like"}});
  auto snap = srv_->app().content();
  const auto& space = *snap->space;
  auto vec = [&](const std::string& id) {
    std::vector<float> v(space.dim());
    space.transform(cat().track(*cat().find(id)), v.data());
    return v;
  };
  std::vector<float> target(space.dim(), 0.f);
  const std::vector<std::string> rated(ambient.begin(), ambient.begin() + 4);
  for (const auto& id : rated) {
    auto v = vec(id);
    for (int d = 0; d < space.dim(); ++d) target[d] += v[d] / rated.size();
  }
  auto mean_distance = [&](const json& recs) {
    double sum = 0;
    for (const auto& t : recs) {
      auto v = vec(t["track_id"].get<std::string>());
      double d2 = 0;
      for (int d = 0; d < space.dim(); ++d) d2 += (v[d] - target[d]) * (v[d] - target[d]);
      sum += std::sqrt(d2);
    }
    return recs.empty() ? 1e9 : sum / recs.size();
  };
  auto before = body_json(get(base(a) + "/recommendations?limit=6&neighbours=0", a.token));
  double d0 = mean_distance(before["recommendations"]);
  for (const auto& id : rated) feedback(a, {{"track_id", id}, {"kind", "rating"}, {"rating", 5}});
  auto after = body_json(get(base(a) + "/recommendations?limit=6&neighbours=0", a.token));
  double d1 = mean_distance(after["recommendations"]);
  ASSERT_EQ(after["recommendations"].size(), 6u);
  EXPECT_LT(d1, 0.75 * d0) << "mean distance to the rated tracks' centroid: before " << d0
                           << ", after " << d1;
  for (const auto& t : after["recommendations"])  // what was rated is not recommended back
    EXPECT_EQ(std::count(rated.begin(), rated.end(), t["track_id"].get<std::string>()), 0);
  // The seeds are the 5-star ratings.
  std::set<std::string> seeds;
  for (const auto& s : after["seeds"]) seeds.insert(s.get<std::string>());
  for (const auto& id : rated) EXPECT_TRUE(seeds.count(id)) << id;
}

TEST_P(ListenersHttp, NoFeedbackAndNoSeedsIsAClear400) {
  Who a = create();
  auto r = get(base(a) + "/recommendations", a.token);
  EXPECT_EQ(r->status, 400);
  EXPECT_FALSE(body_json(r)["error"]["message"].get<std::string>().empty());
  auto ok =
      body_json(get(base(a) + "/recommendations?limit=3&track=" + genre("dance")[0], a.token));
  EXPECT_EQ(ok["recommendations"].size(), 3u);
  EXPECT_EQ(ok["seeds"][0], genre("dance")[0]);
}

TEST_P(ListenersHttp, MoodIsStoredOnlyForAnAuthenticatedCaller) {
  train_fixture_emotion_model(srv_->app());
  Who a = create();
  json body = {{"text", "I am so sad and lonely. I cried all day."}, {"with_tracks", false}};
  auto anon = post("/api/v1/mood", "", body);
  ASSERT_EQ(anon->status, 200) << anon->body;
  EXPECT_FALSE(body_json(anon).contains("mood_id"));
  EXPECT_EQ(post("/api/v1/mood", "mt_bad", body)->status, 401);
  auto mine = post("/api/v1/mood", a.token, body);
  ASSERT_EQ(mine->status, 200) << mine->body;
  auto j = body_json(mine);
  ASSERT_TRUE(j.contains("mood_id"));
  auto moods = body_json(get(base(a) + "/moods", a.token))["moods"];
  ASSERT_EQ(moods.size(), 1u);
  EXPECT_EQ(moods[0]["id"], j["mood_id"]);
  EXPECT_EQ(moods[0]["source"], "mood");
  EXPECT_NEAR(moods[0]["valence"].get<double>(), j["valence"].get<double>(), 1e-6);
  EXPECT_NEAR(moods[0]["emotions"]["sadness"].get<double>(),
              j["distribution"]["sadness"].get<double>(), 1e-6);
}

TEST_P(ListenersHttp, MoodSongsLeaveOutWhatTheListenerBanned) {
  train_fixture_emotion_model(srv_->app());
  Who a = create();
  json body = {{"text", "What a wonderful happy day, I love it!"}, {"limit", 10}, {"seed", 3}};
  auto first = body_json(post("/api/v1/mood", a.token, body));
  ASSERT_GE(first["tracks"].size(), 3u) << first.dump();
  const std::string banned = first["tracks"][0]["artists"][0].get<std::string>();
  const std::string disliked = first["tracks"][1]["track_id"].get<std::string>();
  feedback(a, {{"artist", banned}, {"kind", "dislike"}, {"context", {{"source", "mood"}}}});
  feedback(a, {{"track_id", disliked}, {"kind", "dislike"}, {"context", {{"source", "mood"}}}});
  auto after = body_json(post("/api/v1/mood", a.token, body));
  EXPECT_EQ(after["tracks"].size(), first["tracks"].size());  // refilled, not just shortened
  for (const auto& t : after["tracks"]) {
    EXPECT_NE(t["track_id"].get<std::string>(), disliked);
    for (const auto& artist : t["artists"]) EXPECT_NE(artist.get<std::string>(), banned);
  }
  // Anonymous callers are not affected by anyone's feedback.
  auto anon = body_json(post("/api/v1/mood", "", body));
  EXPECT_EQ(anon["tracks"][0]["artists"][0].get<std::string>(), banned);
}

INSTANTIATE_TEST_SUITE_P(Backends, ListenersHttp, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace muse::test
