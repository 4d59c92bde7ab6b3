// Micro-genre and map routes over a real server with the 48-track fixture catalogue.
#include <gtest/gtest.h>

#include "app/clusters.h"
#include "server/server_helpers.h"

namespace muse::test {
namespace {

class ClustersRoutesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { srv_ = new TestServer(); }
  static void TearDownTestSuite() {
    delete srv_;
    srv_ = nullptr;
  }
  /// Each test may run in its own process (CTest), so every test that needs the map builds it.
  static void build() {
    if (built_) return;
    explore::MapParams p;
    p.k = 4;
    p.epochs = 50;
    app::build_clusters(srv_->app(), p);
    built_ = true;
  }
  static TestServer* srv_;
  static bool built_;
};
TestServer* ClustersRoutesTest::srv_ = nullptr;
bool ClustersRoutesTest::built_ = false;

TEST_F(ClustersRoutesTest, UnavailableUntilBuiltThenServed) {
  auto c = srv_->client();
  auto res = c.Get("/api/v1/clusters");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_NE(body_json(res)["error"]["message"].get<std::string>().find("muse clusters build"),
            std::string::npos);
  EXPECT_EQ(c.Get("/api/v1/map")->status, 503);
  build();

  res = c.Get("/api/v1/clusters");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  auto j = body_json(res);
  EXPECT_EQ(j["k"], 4);
  ASSERT_EQ(j["clusters"].size(), 4u);
  int total = 0;
  for (const auto& cl : j["clusters"]) {
    total += cl["size"].get<int>();
    EXPECT_FALSE(cl["name"].get<std::string>().empty());
    EXPECT_TRUE(cl["x"].is_number());
  }
  EXPECT_EQ(total, 48);

  res = c.Get("/api/v1/clusters/2?tracks=3");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  j = body_json(res);
  EXPECT_EQ(j["id"], 2);
  EXPECT_LE(j["top_tracks"].size(), 3u);
  EXPECT_EQ(c.Get("/api/v1/clusters/4")->status, 404);
  EXPECT_EQ(c.Get("/api/v1/clusters/abc")->status, 400);
  EXPECT_EQ(c.Get("/api/v1/clusters/-1")->status, 400);
  EXPECT_EQ(c.Get("/api/v1/clusters/2?tracks=500")->status, 400);
}

TEST_F(ClustersRoutesTest, MapRegionsAreThinnedAndValidated) {
  build();
  auto c = srv_->client();
  auto res = c.Get("/api/v1/map?limit=10");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  auto j = body_json(res);
  EXPECT_EQ(j["total"], 48);
  EXPECT_EQ(j["returned"], 10);
  EXPECT_EQ(j["points"]["id"].size(), 10u);
  EXPECT_EQ(j["points"]["x"].size(), 10u);
  const auto b = j["bounds"];
  // The left half of the map holds some but not all points, all inside the rectangle.
  const double mid = (b["x0"].get<double>() + b["x1"].get<double>()) / 2;
  res = c.Get(("/api/v1/map?x0=" + std::to_string(b["x0"].get<double>() - 1) +
               "&x1=" + std::to_string(mid) + "&y0=-1e6&y1=1e6&limit=1000")
                  .c_str());
  ASSERT_EQ(res->status, 200) << res->body;
  j = body_json(res);
  EXPECT_GT(j["total"].get<int>(), 0);
  EXPECT_LT(j["total"].get<int>(), 48);
  for (const auto& x : j["points"]["x"]) EXPECT_LE(x.get<double>(), mid + 1e-4);
  // Off the map: empty, not an error.
  res = c.Get("/api/v1/map?x0=1e8&x1=2e8&y0=1e8&y1=2e8");
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(body_json(res)["total"], 0);
  for (const char* bad :
       {"/api/v1/map?x0=5&x1=1", "/api/v1/map?x0=nan", "/api/v1/map?x0=inf", "/api/v1/map?y1=1e30",
        "/api/v1/map?x0=abc", "/api/v1/map?x0=1x", "/api/v1/map?limit=0",
        "/api/v1/map?limit=1000000", "/api/v1/map?x0=1&x1=1"}) {
    res = c.Get(bad);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << bad << " -> " << res->body;
  }
}

TEST_F(ClustersRoutesTest, LocateAndMoreFromThisMicroGenre) {
  build();
  auto c = srv_->client();
  const std::string id = srv_->any_track_id();
  auto res = c.Post("/api/v1/map/locate", nlohmann::json{{"tracks", {id, "nope"}}}.dump(),
                    "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  auto j = body_json(res);
  ASSERT_EQ(j["points"].size(), 1u);
  EXPECT_EQ(j["points"][0]["id"], id);
  EXPECT_EQ(j["missing"][0], "nope");
  const int cluster = j["points"][0]["c"];

  res = c.Post("/api/v1/clusters/recommendations",
               nlohmann::json{{"tracks", {id}}, {"limit", 5}}.dump(), "application/json");
  ASSERT_EQ(res->status, 200) << res->body;
  j = body_json(res);
  EXPECT_EQ(j["cluster"]["id"], cluster);
  EXPECT_LE(j["recommendations"].size(), 5u);
  for (const auto& r : j["recommendations"]) EXPECT_NE(r["track_id"], id);
  EXPECT_EQ(c.Post("/api/v1/clusters/recommendations", R"({"tracks":["nope"]})", "application/json")
                ->status,
            404);
  EXPECT_EQ(
      c.Post("/api/v1/clusters/recommendations", R"({"tracks":[]})", "application/json")->status,
      400);
  EXPECT_EQ(c.Post("/api/v1/map/locate", R"({"tracks":"x"})", "application/json")->status, 400);
}

}  // namespace
}  // namespace muse::test
