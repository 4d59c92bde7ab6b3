// Popularity routes over a real server: a model trained on the fixture catalogue is put in
// the test home; predictions, explanations (contributions sum to the prediction) and errors.
#include <gtest/gtest.h>

#include "popularity/popularity_model.h"
#include "server/server_helpers.h"

namespace muse::test {
namespace {

class PopularityRoutesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    srv_ = new TestServer();
    auto data = popularity::load_popularity_csv(std::filesystem::path(MUSE_FIXTURES) / "server" /
                                                "tracks.csv");
    popularity::TrainOptions o;
    o.features = popularity::FeatureSet::kFull;
    o.max_rounds = 30;
    o.max_depth = 3;
    o.nthread = 1;
    o.folds = 3;
    o.valid_fraction = 0.2;
    popularity::PopularityModel::train(data, nullptr, o)
        ->save(srv_->app().path("popularity.model"));
  }
  static void TearDownTestSuite() {
    delete srv_;
    srv_ = nullptr;
  }
  static TestServer* srv_;
};
TestServer* PopularityRoutesTest::srv_ = nullptr;

TEST_F(PopularityRoutesTest, ExplainContributionsSumToThePrediction) {
  auto c = srv_->client();
  const std::string id = srv_->any_track_id();
  auto res = c.Get(("/api/v1/popularity/explain/" + id + "?top=5").c_str());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  auto j = body_json(res);
  EXPECT_EQ(j["track"]["track_id"], id);
  double sum = j["bias"].get<double>();
  for (const auto& x : j["contributions"]) sum += x["contribution"].get<double>();
  EXPECT_NEAR(sum, j["prediction"].get<double>(), 1e-2);
  EXPECT_EQ(j["importance"]["permutation"].size(), 5u);
  EXPECT_EQ(j["features"], "full");

  auto p = c.Post(
      "/api/v1/popularity/predict",
      R"({"track_ids": [")" + id + R"("], "tracks": [{"name": "New", "artists": ["Nobody Yet"],
                      "genres": ["ambient"], "explicit": false,
                      "features": {"danceability": 0.3, "energy": 0.2, "loudness": -20, "tempo": 80}}]})",
      "application/json");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->status, 200) << p->body;
  auto pj = body_json(p);
  ASSERT_EQ(pj["predictions"].size(), 2u);
  EXPECT_NEAR(pj["predictions"][0]["predicted"].get<double>(), j["prediction"].get<double>(), 1e-3);
  EXPECT_TRUE(pj["predictions"][1]["predicted"].is_number());

  auto m = c.Get("/api/v1/popularity/model");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->status, 200);
  auto mj = body_json(m);
  EXPECT_FALSE(mj["points"].empty());
  EXPECT_TRUE(mj["validation"]["ridge"]["mse"].is_number());
}

TEST_F(PopularityRoutesTest, BadRequestsGetClearErrors) {
  auto c = srv_->client();
  auto r = c.Post("/api/v1/popularity/predict", "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  r = c.Post("/api/v1/popularity/predict", R"({"tracks": [{"features": {"energy": "loud"}}]})",
             "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("tracks[0].features.energy"), std::string::npos) << r->body;
  r = c.Post("/api/v1/popularity/predict", R"({"tracks": [{"features": {"loudness_db": 1}}]})",
             "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  r = c.Post("/api/v1/popularity/predict", R"({"track_ids": ["nosuchtrack"]})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  r = c.Get("/api/v1/popularity/explain/nosuchtrack");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

TEST(PopularityRoutesNoModel, UnavailableUntilTrained) {
  TestServer srv;
  auto c = srv.client();
  auto r = c.Get(("/api/v1/popularity/explain/" + srv.any_track_id()).c_str());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("muse popularity train"), std::string::npos) << r->body;
}

}  // namespace
}  // namespace muse::test
