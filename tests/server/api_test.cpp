// The JSON API over a real server: search, tracks, recommendations, health, metrics.
#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <set>
#include <sstream>

#include "server/server_helpers.h"

namespace muse::test {
namespace {

class ApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { srv_ = new TestServer(); }
  static void TearDownTestSuite() {
    delete srv_;
    srv_ = nullptr;
  }
  static TestServer* srv_;
};
TestServer* ApiTest::srv_ = nullptr;

TEST_F(ApiTest, HealthAndReady) {
  auto c = srv_->client();
  auto res = c.Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(body_json(res)["status"], "ok");
  res = c.Get("/readyz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  auto j = body_json(res);
  EXPECT_EQ(j["status"], "ready");
  EXPECT_EQ(j["tracks"], 48);
}

TEST_F(ApiTest, EveryResponseHasARequestIdAndAClientIdIsKept) {
  auto c = srv_->client();
  auto a = c.Get("/healthz");
  auto b = c.Get("/healthz");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->has_header("X-Request-Id"));
  EXPECT_NE(a->get_header_value("X-Request-Id"), b->get_header_value("X-Request-Id"));
  auto given = c.Get("/healthz", {{"X-Request-Id", "trace-42.abc"}});
  ASSERT_TRUE(given);
  EXPECT_EQ(given->get_header_value("X-Request-Id"), "trace-42.abc");
  // Unsafe ids are replaced, not echoed.
  auto bad = c.Get("/healthz", {{"X-Request-Id", "evil id <script>"}});
  ASSERT_TRUE(bad);
  EXPECT_NE(bad->get_header_value("X-Request-Id"), "evil id <script>");
  EXPECT_FALSE(bad->get_header_value("X-Request-Id").empty());
  // Errors carry the same id in the body.
  auto err = c.Get("/api/v1/nope");
  ASSERT_TRUE(err);
  EXPECT_EQ(body_json(err)["error"]["request_id"], err->get_header_value("X-Request-Id"));
}

TEST_F(ApiTest, SearchFindsByNameArtistAndFoldsAccents) {
  auto c = srv_->client();
  auto res = c.Get("/api/v1/tracks/search?q=neon%20parade&limit=5");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  auto j = body_json(res);
  ASSERT_TRUE(j["results"].is_array());
  EXPECT_GE(j["results"].size(), 1u);
  EXPECT_LE(j["results"].size(), 5u);
  for (const auto& t : j["results"]) {
    bool has = false;
    for (const auto& a : t["artists"]) has |= a == "Neon Parade";
    EXPECT_TRUE(has) << t.dump();
    EXPECT_TRUE(t.contains("track_id") && t.contains("features") && t.contains("score"));
  }
  // "beyonce cafe" finds "Beyoncé Café Song"; prefixes work.
  j = body_json(c.Get("/api/v1/tracks/search?q=beyonce%20caf"));
  ASSERT_FALSE(j["results"].empty());
  EXPECT_EQ(j["results"][0]["name"], "Beyoncé Café Song");
  // Nothing matches: an empty list, not an error.
  res = c.Get("/api/v1/tracks/search?q=zzzzqqqq");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(body_json(res)["results"].empty());
}

TEST_F(ApiTest, SearchValidatesParameters) {
  auto c = srv_->client();
  for (const char* path : {"/api/v1/tracks/search", "/api/v1/tracks/search?q=", "/api/v1/tracks/search?q=a&limit=0",
                           "/api/v1/tracks/search?q=a&limit=101", "/api/v1/tracks/search?q=a&limit=ten",
                           "/api/v1/tracks/search?q=a&limit=5x", "/api/v1/tracks/search?q=%2B%2B%2B"}) {
    auto res = c.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 400) << path << " " << res->body;
    EXPECT_EQ(body_json(res)["error"]["code"], "invalid_argument") << path;
  }
  auto res = c.Get("/api/v1/tracks/search?q=a&limit=ten");
  EXPECT_NE(body_json(res)["error"]["message"].get<std::string>().find("limit"), std::string::npos);
}

TEST_F(ApiTest, TrackById) {
  auto c = srv_->client();
  std::string id = srv_->any_track_id();
  auto res = c.Get("/api/v1/tracks/" + id);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  auto j = body_json(res);
  EXPECT_EQ(j["track_id"], id);
  EXPECT_TRUE(j["features"].contains("energy"));
  // "search" is a route of its own, not an id.
  EXPECT_EQ(c.Get("/api/v1/tracks/search?q=x")->get_header_value("X-Muse-Route"), "/api/v1/tracks/search");
  res = c.Get("/api/v1/tracks/NoSuchTrack000000000000");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(body_json(res)["error"]["code"], "not_found");
  EXPECT_NE(body_json(res)["error"]["message"].get<std::string>().find("NoSuchTrack"), std::string::npos);
  res = c.Get("/api/v1/tracks/" + std::string(100, 'x'));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
}

TEST_F(ApiTest, Genres) {
  auto j = body_json(srv_->client().Get("/api/v1/genres"));
  EXPECT_EQ(j["genres"], nlohmann::json({"ambient", "dance", "folk", "metal"}));
}

TEST_F(ApiTest, RecommendationsHaveTheCliShapeAndFollowTheSeeds) {
  auto c = srv_->client();
  auto metal = srv_->ids_of_genre("metal");
  ASSERT_GE(metal.size(), 3u);
  nlohmann::json body = {{"tracks", {metal[0], metal[1], metal[2]}}, {"limit", 5}};
  auto res = c.Post("/api/v1/recommendations", body.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  auto j = body_json(res);
  ASSERT_TRUE(j["recommendations"].is_array());
  ASSERT_EQ(j["recommendations"].size(), 5u);
  std::set<std::string> seeds(metal.begin(), metal.begin() + 3);
  float last = 2.f;
  int metal_hits = 0;
  for (const auto& r : j["recommendations"]) {
    for (const char* k : {"track_id", "name", "artists", "score", "reason", "genres", "features"}) {
      EXPECT_TRUE(r.contains(k)) << k;
    }
    EXPECT_FALSE(seeds.count(r["track_id"])) << "a seed was recommended";
    EXPECT_FALSE(r["reason"].get<std::string>().empty());
    float score = r["score"];
    EXPECT_LE(score, last);
    last = score;
    metal_hits += r["genres"][0] == "metal";
  }
  // The fixture's genres have distinct audio profiles: metal seeds give mostly metal.
  EXPECT_GE(metal_hits, 4);
  // Artist cap: at most two per artist by default.
  std::map<std::string, int> per_artist;
  for (const auto& r : j["recommendations"]) EXPECT_LE(++per_artist[r["artists"][0]], 2);
}

TEST_F(ApiTest, RecommendationsGenreFilterAndDefaults) {
  auto c = srv_->client();
  auto metal = srv_->ids_of_genre("metal");
  nlohmann::json body = {{"tracks", {metal[0]}}, {"genre", "folk"}, {"limit", 3}, {"max_per_artist", 0}};
  auto j = body_json(c.Post("/api/v1/recommendations", body.dump(), "application/json"));
  ASSERT_EQ(j["recommendations"].size(), 3u) << j.dump();
  for (const auto& r : j["recommendations"]) EXPECT_EQ(r["genres"][0], "folk");
  // Default limit is 10.
  j = body_json(c.Post("/api/v1/recommendations", nlohmann::json{{"tracks", {metal[0]}}}.dump(), "application/json"));
  EXPECT_EQ(j["recommendations"].size(), 10u);
  // Unknown genre: 404 naming it.
  auto res = c.Post("/api/v1/recommendations",
                    nlohmann::json{{"tracks", {metal[0]}}, {"genre", "polka"}}.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_NE(res->body.find("polka"), std::string::npos);
}

TEST_F(ApiTest, MetricsCountRequestsPerRouteAndCatalogueSize) {
  auto c = srv_->client();
  c.Get("/healthz");
  c.Get("/api/v1/tracks/NoSuchTrack000000000000");
  auto res = c.Get("/metrics");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_NE(res->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  const std::string& m = res->body;
  EXPECT_NE(m.find("muse_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"2xx\"}"), std::string::npos);
  EXPECT_NE(m.find("muse_http_requests_total{method=\"GET\",route=\"/api/v1/tracks/{id}\",status=\"4xx\"}"),
            std::string::npos);
  EXPECT_NE(m.find("muse_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"+Inf\"}"),
            std::string::npos);
  EXPECT_NE(m.find("muse_http_errors_total{code=\"not_found\"}"), std::string::npos);
  EXPECT_NE(m.find("muse_catalog_tracks 48"), std::string::npos);
  EXPECT_NE(m.find("muse_ready 1"), std::string::npos);
}

TEST_F(ApiTest, ConcurrentClientsGetConsistentAnswers) {
  auto metal = srv_->ids_of_genre("metal");
  std::string body = nlohmann::json{{"tracks", {metal[0], metal[1]}}, {"limit", 4}}.dump();
  auto expected = srv_->client().Post("/api/v1/recommendations", body, "application/json")->body;
  std::vector<std::thread> threads;
  std::atomic<int> same{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto c = srv_->client();
      for (int i = 0; i < 20; ++i) {
        auto res = c.Post("/api/v1/recommendations", body, "application/json");
        if (res && res->status == 200 && res->body == expected) ++same;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(same.load(), 160);
}

TEST(AccessLogTest, OneLinePerRequestWithTheRequestId) {
  std::ostringstream out;
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_level(spdlog::level::info);
  spdlog::set_default_logger(logger);
  {
    TestServer srv;
    auto c = srv.client();
    auto a = c.Get("/healthz");
    auto b = c.Get("/api/v1/tracks/NoSuchTrack000000000000");
    ASSERT_TRUE(a && b);
    srv.server().stop();  // the log line is written after the response: wait for it
    std::string log = out.str();
    for (const httplib::Response* r : {&*a, &*b}) {
      std::string id = r->get_header_value("X-Request-Id");
      auto pos = log.find(id);
      ASSERT_NE(pos, std::string::npos) << log;
      std::string line = log.substr(pos, log.find('\n', pos) - pos);
      EXPECT_NE(line.find(std::to_string(r->status)), std::string::npos) << line;
      EXPECT_NE(line.find("ms"), std::string::npos) << line;
    }
  }
  spdlog::set_default_logger(previous);
}

}  // namespace
}  // namespace muse::test
