// POST/GET /api/v1/chat over a real server: English and Korean conversations that fill the
// gauge and then carry the pooled analysis with match and lift songs; privacy and bad input.
#include <gtest/gtest.h>

#include <filesystem>

#include "emotion/datasets.h"
#include "emotion/emotion_classifier.h"
#include "server/server_helpers.h"

namespace muse::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// English and Korean emotion models trained on the small fixtures, and the Korean fixture
/// bank where the app looks for the real one ($DATA_DIR/korean_chatbot_data/ChatbotData.csv).
void setup_chat(app::App& app) {
  auto fx = fs::path(MUSE_FIXTURES);
  emotion::EmotionClassifier clf;
  emotion::TrainOptions o;
  o.features.hash_bits = 14;
  o.epochs = 20;
  o.learning_rate = 0.5f;
  clf.train(text::Language::kEnglish, emotion::read_labelled_tsv(fx / "mood" / "emotion_train.tsv"),
            emotion::read_labelled_tsv(fx / "mood" / "emotion_dev.tsv"), o);
  emotion::TrainOptions ko = o;
  ko.features.char_min = 1;
  ko.features.char_max = 3;
  clf.train(text::Language::kKorean,
            emotion::read_labelled_tsv(fx / "chat" / "ko_emotion_train.tsv"),
            emotion::read_labelled_tsv(fx / "chat" / "ko_emotion_dev.tsv"), ko);
  clf.save(app.path("emotion.model"));
  fs::create_directories(app.data_dir() / "korean_chatbot_data");
  fs::copy_file(fx / "chat" / "ko_bank.csv",
                app.data_dir() / "korean_chatbot_data" / "ChatbotData.csv",
                fs::copy_options::overwrite_existing);
}

class ChatRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setup_chat(srv_.app());
    ann_ = srv_.app().store().create_listener("Ann").token;
    bob_ = srv_.app().store().create_listener("Bob").token;
  }
  httplib::Result post(const std::string& token, const json& body) {
    auto c = srv_.client();
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    return c.Post("/api/v1/chat", h, body.dump(), "application/json");
  }
  httplib::Result get(const std::string& token, const std::string& path) {
    auto c = srv_.client();
    return c.Get(path, {{"Authorization", "Bearer " + token}});
  }
  /// Sends messages in one conversation until the gauge is full; returns every reply.
  std::vector<json> talk(const std::string& token, const std::vector<std::string>& messages,
                         const std::string& lang) {
    std::vector<json> out;
    json id = nullptr;
    for (const auto& m : messages) {
      json body = {{"message", m}, {"limit", 3}};
      if (!id.is_null()) body["conversation_id"] = id;
      if (!lang.empty()) body["lang"] = lang;
      auto r = post(token, body);
      EXPECT_TRUE(r);
      if (!r) break;
      EXPECT_EQ(r->status, 200) << m << " -> " << r->body;
      out.push_back(body_json(r));
      id = out.back()["conversation_id"];
    }
    return out;
  }
  void expect_full_conversation(const std::vector<json>& turns, const std::string& lang) {
    ASSERT_FALSE(turns.empty());
    double prev = -1;
    int filled_at = -1, mood_ids = 0;
    for (size_t i = 0; i < turns.size(); ++i) {
      const auto& t = turns[i];
      EXPECT_EQ(t["conversation_id"], turns[0]["conversation_id"]);
      EXPECT_EQ(t["reply"]["language"], lang);
      EXPECT_FALSE(t["reply"]["text"].get<std::string>().empty());
      EXPECT_TRUE(t["message_analysis"]["emotions"].is_object());
      EXPECT_FALSE(t["message_analysis"]["sentences"].empty());
      double v = t["gauge"]["value"].get<double>();
      EXPECT_GE(v, prev) << i;
      prev = v;
      EXPECT_EQ(t["gauge"]["messages"], static_cast<int>(i + 1));
      const bool full = t["gauge"]["full"].get<bool>();
      if (full && filled_at < 0) filled_at = static_cast<int>(i);
      if (t.contains("mood_id")) ++mood_ids;
      if (!full) {
        EXPECT_TRUE(t["analysis"].is_null()) << i;
        EXPECT_TRUE(t["recommendations"].is_null()) << i;
        continue;
      }
      EXPECT_TRUE(t["analysis"]["distribution"].is_object());
      EXPECT_FALSE(t["analysis"]["sentences"].empty());
      for (const char* mode : {"match", "lift"}) {
        const auto& list = t["recommendations"][mode];
        ASSERT_TRUE(list.is_array()) << mode;
        EXPECT_GE(list.size(), 1u) << mode;
        EXPECT_LE(list.size(), 3u) << mode;
        for (const auto& tr : list) {
          EXPECT_TRUE(tr.contains("track_id"));
          EXPECT_TRUE(tr.contains("reason"));
        }
      }
    }
    EXPECT_GE(filled_at, 2) << "a 1- or 2-message conversation must not fill the gauge";
    ASSERT_GE(filled_at, 0) << "the conversation never filled the gauge";
    EXPECT_LT(filled_at, static_cast<int>(turns.size()) - 1)
        << "test wants at least one turn after full";
    EXPECT_EQ(mood_ids, 1) << "the pooled mood is stored once per conversation";
    EXPECT_TRUE(turns[filled_at].contains("mood_id"));
  }
  TestServer srv_;
  std::string ann_, bob_;
};

TEST_F(ChatRouteTest, EnglishConversationFillsTheGaugeAndRecommends) {
  auto turns =
      talk(ann_,
           {"hi", "I am so sad and lonely tonight.", "I miss her so much, I cried all day.",
            "I feel down and empty, nobody cares.", "Everything feels hopeless and depressing.",
            "I am terrified and anxious about tomorrow.", "ok"},
           "");
  expect_full_conversation(turns, "en");
  const auto& last = turns.back();
  EXPECT_EQ(last["analysis"]["dominant"], "sadness");
  EXPECT_LT(last["analysis"]["valence"].get<double>(), 0);

  // The mood history holds exactly one chat mood for this conversation.
  auto who = srv_.app().store().authenticate(ann_);
  ASSERT_TRUE(who);
  auto moods = srv_.app().store().list_moods(who->id, 50);
  ASSERT_EQ(moods.size(), 1u);
  EXPECT_EQ(moods[0].source, "chat");
  EXPECT_LT(moods[0].valence, 0);

  // GET: the conversation list and the stored conversation reproduce the last gauge.
  const int64_t id = last["conversation_id"].get<int64_t>();
  auto r = get(ann_, "/api/v1/chat");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto list = body_json(r)["conversations"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["id"], id);
  EXPECT_EQ(list[0]["language"], "en");
  r = get(ann_, "/api/v1/chat/" + std::to_string(id));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto conv = body_json(r);
  EXPECT_EQ(conv["conversation"]["id"], id);
  ASSERT_EQ(conv["messages"].size(), 2 * turns.size());
  EXPECT_EQ(conv["messages"][0]["role"], "listener");
  EXPECT_EQ(conv["messages"][0]["text"], "hi");
  EXPECT_TRUE(conv["messages"][0]["analysis"].is_object());
  EXPECT_EQ(conv["messages"][1]["role"], "muse");
  EXPECT_EQ(conv["messages"][1]["text"], turns[0]["reply"]["text"]);
  EXPECT_EQ(conv["gauge"], last["gauge"]);
}

TEST_F(ChatRouteTest, KoreanConversationFillsTheGaugeAndRecommends) {
  auto turns = talk(
      bob_,
      {"안녕", "너무 슬프고 외로워요 정말", "헤어져서 너무 우울해 매일",
       "혼자라서 외롭고 눈물이 나", "불안해서 잠이 안 와 무서워", "보고 싶어서 너무 슬퍼", "ok"},
      "");
  expect_full_conversation(turns, "ko");
  for (const auto& t : turns) {
    EXPECT_EQ(text::detect_language(t["reply"]["text"].get<std::string>()), text::Language::kKorean)
        << t["reply"]["text"];
  }
  auto r = get(bob_, "/api/v1/chat/" + std::to_string(turns[0]["conversation_id"].get<int64_t>()));
  ASSERT_TRUE(r);
  EXPECT_EQ(body_json(r)["conversation"]["language"], "ko");
}

TEST_F(ChatRouteTest, RecommendationsFollowTheListenersFeedback) {
  const std::vector<std::string> msgs = {
      "I am so sad and lonely tonight.", "I miss her so much, I cried all day.",
      "I feel down and empty, nobody cares.", "Everything feels hopeless and depressing."};
  auto turns = talk(ann_, msgs, "en");
  ASSERT_EQ(turns.size(), msgs.size());
  const json& recs = turns.back()["recommendations"];
  ASSERT_FALSE(recs.is_null());
  ASSERT_FALSE(recs["match"].empty());
  const std::string artist = recs["match"][0]["artists"][0];
  const std::string disliked_track = recs["lift"][0]["track_id"];
  auto who = srv_.app().store().authenticate(ann_);
  ASSERT_TRUE(who);
  listeners::Feedback f;
  f.kind = listeners::FeedbackKind::kDislike;
  f.artist = artist;
  srv_.app().store().add_feedback(who->id, f);
  listeners::Feedback g;
  g.kind = listeners::FeedbackKind::kDislike;
  g.track_id = disliked_track;
  srv_.app().store().add_feedback(who->id, g);

  auto r = post(ann_, {{"conversation_id", turns.back()["conversation_id"]},
                       {"message", "I still feel so sad and alone."},
                       {"limit", 3}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = body_json(r);
  for (const char* mode : {"match", "lift"}) {
    ASSERT_FALSE(j["recommendations"][mode].empty()) << mode;
    for (const auto& t : j["recommendations"][mode]) {
      EXPECT_NE(t["track_id"], disliked_track) << mode;
      for (const auto& a : t["artists"]) EXPECT_NE(a, artist) << mode;
    }
  }
}

TEST_F(ChatRouteTest, HiAloneNeverFillsTheGauge) {
  std::vector<std::string> msgs(12, "hi");
  msgs[5] = "ok";
  auto turns = talk(ann_, msgs, "");
  ASSERT_EQ(turns.size(), msgs.size());
  EXPECT_FALSE(turns.back()["gauge"]["full"].get<bool>());
  EXPECT_TRUE(turns.back()["recommendations"].is_null());
}

TEST_F(ChatRouteTest, OtherListenersConversationsAre404) {
  auto turns = talk(ann_, {"I am so sad and lonely tonight."}, "en");
  ASSERT_EQ(turns.size(), 1u);
  const int64_t id = turns[0]["conversation_id"].get<int64_t>();
  auto r = get(bob_, "/api/v1/chat/" + std::to_string(id));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404) << r->body;
  r = post(bob_, {{"conversation_id", id}, {"message", "let me in"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404) << r->body;
  r = get(bob_, "/api/v1/chat");
  ASSERT_TRUE(r);
  EXPECT_TRUE(body_json(r)["conversations"].empty());
  // Ann's conversation is untouched by Bob's attempt.
  r = get(ann_, "/api/v1/chat/" + std::to_string(id));
  ASSERT_TRUE(r);
  EXPECT_EQ(body_json(r)["messages"].size(), 2u);
}

TEST_F(ChatRouteTest, BadInputIsRejectedAndStoresNothing) {
  auto code = [](const httplib::Result& r) { return r ? r->status : -1; };
  EXPECT_EQ(code(post("", {{"message", "hi"}})), 401);
  EXPECT_EQ(code(post("mt_bogus", {{"message", "hi"}})), 401);
  EXPECT_EQ(code(post(ann_, {{"message", std::string(4001, 'a')}})), 400);
  EXPECT_EQ(code(post(ann_, {{"message", std::string(4000, 'a')}})),
            200);  // the limit itself is fine
  std::string korean_long;
  for (int i = 0; i < 1001; ++i) korean_long += "슬퍼요 ";  // 4004 characters, 10010 bytes
  EXPECT_EQ(code(post(ann_, {{"message", korean_long}})), 400);
  EXPECT_EQ(code(post(ann_, {{"message", ""}})), 400);
  EXPECT_EQ(code(post(ann_, {{"message", "   \n"}})), 400);
  EXPECT_EQ(code(post(ann_, {{"message", "hi"}, {"lang", "fr"}})), 400);
  EXPECT_EQ(code(post(ann_, {{"message", 5}})), 400);
  EXPECT_EQ(code(post(ann_, {{"message", "hi"}, {"conversation_id", "x"}})), 400);
  EXPECT_EQ(code(post(ann_, {{"message", "hi"}, {"conversation_id", 999999}})), 404);
  // Invalid UTF-8 inside the JSON string.
  {
    auto c = srv_.client();
    std::string body = "{\"message\":\"bad \xC3\x28 bytes\"}";
    auto r =
        c.Post("/api/v1/chat", {{"Authorization", "Bearer " + ann_}}, body, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << r->body;
    EXPECT_TRUE(body_json(r).contains("error"));
  }
  auto r = get(ann_, "/api/v1/chat/999999");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  r = get(ann_, "/api/v1/chat/abc");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  // Only the one valid 4000-character message made a conversation.
  r = get(ann_, "/api/v1/chat");
  ASSERT_TRUE(r);
  EXPECT_EQ(body_json(r)["conversations"].size(), 1u);
}

TEST(ChatRouteNoModelTest, UnavailableWithoutAnEmotionModel) {
  TestServer srv;
  auto token = srv.app().store().create_listener("Cy").token;
  auto c = srv.client();
  auto r = c.Post("/api/v1/chat", {{"Authorization", "Bearer " + token}},
                  json{{"message", "hello there"}}.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << r->body;
  auto who = srv.app().store().authenticate(token);
  EXPECT_TRUE(srv.app().store().list_conversations(who->id, 10).empty());
}

}  // namespace
}  // namespace muse::test
