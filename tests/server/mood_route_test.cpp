// POST /api/v1/mood over a real server: 503 before a model exists, then analysis + tracks.
#include <gtest/gtest.h>

#include "emotion/datasets.h"
#include "emotion/emotion_classifier.h"
#include "emotion/va_regressor.h"
#include "server/server_helpers.h"

namespace muse::test {
namespace {

httplib::Result post(httplib::Client& c, const nlohmann::json& body) {
  return c.Post("/api/v1/mood", body.dump(), "application/json");
}

TEST(MoodRouteTest, UnavailableUntilTrainedThenAnswers) {
  TestServer srv;
  auto c = srv.client();
  auto r = post(c, {{"text", "I am happy"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(body_json(r)["error"]["code"], "unavailable");

  train_fixture_emotion_model(srv.app());
  r = post(c,
           {{"text", "I am so sad and lonely. I cried all day."}, {"limit", 3}, {"mode", "lift"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = body_json(r);
  EXPECT_EQ(j["sentences"].size(), 2u);
  EXPECT_EQ(j["dominant"], "sadness");
  EXPECT_EQ(j["mode"], "lift");
  EXPECT_LE(j["tracks"].size(), 3u);
  EXPECT_GE(j["tracks"].size(), 1u);
  EXPECT_TRUE(j["tracks"][0].contains("reason"));
  EXPECT_LT(j["valence"].get<double>(), 0);

  r = post(c, {{"text", "What a wonderful day"}, {"with_tracks", false}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(body_json(r)["tracks"].empty());
}

// The EmoBank regressor reads English sentences only; the response names it as a source only
// when some sentence went through it.
TEST(MoodRouteTest, RegressorIsNamedOnlyWhenAnEnglishSentenceUsedIt) {
  TestServer srv;
  train_fixture_emotion_model(srv.app());
  std::vector<emotion::VaExample> rows;
  const char* texts[] = {"what a great day", "so happy and glad",  "this is awful",
                         "sad and tired",    "calm quiet evening", "furious and loud"};
  const float v[] = {4.2f, 4.4f, 1.8f, 1.9f, 3.4f, 1.7f},
              ar[] = {3.4f, 3.6f, 3.2f, 2.4f, 2.1f, 4.3f};
  for (int rep = 0; rep < 2; ++rep)
    for (int i = 0; i < 6; ++i)
      rows.push_back(
          {texts[i] + std::string(rep ? " indeed" : ""), v[i], ar[i], "d" + std::to_string(i)});
  emotion::VaTrainOptions o;
  o.features.hash_bits = 12;
  o.lexicon = false;
  emotion::VaRegressor::train(rows, rows, text::Lexicon{}, o)->save(srv.app().path("va.model"));
  auto c = srv.client();
  auto r = post(c, {{"text", "What a great day, I am so happy."}, {"with_tracks", false}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(body_json(r)["valence_arousal_source"],
            "emotions + EmoBank regressor (English sentences)");
  r = post(c, {{"text", "오늘 너무 우울하고 힘들었어."}, {"with_tracks", false}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(body_json(r)["language"], "ko");
  EXPECT_EQ(body_json(r)["valence_arousal_source"], "emotions");
}

TEST(MoodRouteTest, BadInputIs400) {
  TestServer srv;
  train_fixture_emotion_model(srv.app());
  auto c = srv.client();
  for (const auto& body : {nlohmann::json{{"text", ""}}, nlohmann::json{{"text", "...!!!"}},
                           nlohmann::json{{"text", "hi"}, {"mode", "opposite"}},
                           nlohmann::json{{"text", "hi"}, {"taste", 2}},
                           nlohmann::json{{"text", "hi"}, {"taste", 0.5}},  // taste without tracks
                           nlohmann::json{{"text", 5}}, nlohmann::json::object()}) {
    auto r = post(c, body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << body.dump() << " -> " << r->body;
  }
  auto r = post(c, {{"text", "hi"}, {"tracks", {"no-such-track-id"}}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

}  // namespace
}  // namespace muse::test
