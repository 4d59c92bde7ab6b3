// Chat core: response-bank selection (English and Korean), bank files, the gauge rule, and
// pooling a conversation the way the mood analyzer pools one text.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "chat/chat_session.h"
#include "chat/response_bank.h"
#include "emotion/datasets.h"
#include "emotion/emotion_classifier.h"
#include "mood/mood_analyzer.h"
#include "test_catalog.h"
#include "text/language.h"
#include "util/error.h"

namespace muse::chat {
namespace {

namespace fs = std::filesystem;
using emotion::Emotion;
using Dist = std::array<float, emotion::kNumLabels>;

fs::path fixtures() { return fs::path(MUSE_FIXTURES); }

Dist dist_of(Emotion e, float p = 0.8f) {
  Dist d{};
  for (auto& x : d) x = (1.f - p) / (emotion::kNumLabels - 1);
  d[static_cast<int>(e)] = p;
  return d;
}

bool has(emotion::LabelSet s, Emotion e) { return s >> static_cast<int>(e) & 1; }

const ResponseBank& en_bank() {
  static ResponseBank b = ResponseBank::load_tsv(
      fs::path(MUSE_SOURCE_DIR) / "data" / "chat" / "en_responses.tsv", text::Language::kEnglish);
  return b;
}

TEST(ResponseBankTest, EnglishBankCoversEveryLabelAndIsSortedByEmotion) {
  const auto& b = en_bank();
  ASSERT_GE(b.size(), 120u);
  int per_label[emotion::kNumLabels] = {};
  std::string prev;
  for (size_t i = 0; i < b.size(); ++i) {
    const auto& e = b.entry(i);
    ASSERT_NE(e.emotions, 0) << e.prompt;
    int l = __builtin_ctz(e.emotions);
    ++per_label[l];
    std::string name = emotion::emotion_name(l);
    EXPECT_LE(prev, name) << "bank not sorted by emotion at " << e.prompt;
    prev = name;
  }
  for (int l = 0; l < emotion::kNumLabels; ++l)
    EXPECT_GE(per_label[l], 15) << emotion::emotion_name(l);
}

TEST(ResponseBankTest, AnxiousMessageGetsAFearReply) {
  const auto& b = en_bank();
  auto c = b.choose("I'm really anxious and worried about my exam tomorrow",
                    dist_of(Emotion::kFear), text::Language::kEnglish, 1);
  EXPECT_TRUE(has(b.entry(c.index).emotions, Emotion::kFear)) << b.entry(c.index).prompt;
  EXPECT_GT(c.similarity, 0.2f);
  // Seeds only move among near-ties: every seed still answers with a fear reply.
  for (uint64_t seed = 0; seed < 20; ++seed) {
    auto s = b.choose("I'm really anxious and worried about my exam tomorrow",
                      dist_of(Emotion::kFear), text::Language::kEnglish, seed);
    EXPECT_TRUE(has(b.entry(s.index).emotions, Emotion::kFear)) << seed;
  }
}

TEST(ResponseBankTest, EmotionDecidesAmongUnrelatedPrompts) {
  const auto& b = en_bank();
  // No prompt resembles this text: the message's dominant emotion picks the reply's emotion.
  const std::string msg = "zzqx vvrt";
  for (auto e : {Emotion::kSadness, Emotion::kJoy, Emotion::kAnger}) {
    auto c = b.choose(msg, dist_of(e), text::Language::kEnglish, 7);
    EXPECT_TRUE(has(b.entry(c.index).emotions, e)) << emotion::emotion_name(static_cast<int>(e));
  }
  // A near-verbatim prompt beats an emotion-only match.
  auto c = b.choose("My dog died", dist_of(Emotion::kJoy), text::Language::kEnglish, 3);
  EXPECT_EQ(b.entry(c.index).prompt, "My dog died");
}

TEST(ResponseBankTest, SameSeedSameReply) {
  const auto& b = en_bank();
  auto a = b.choose("I feel sad today", dist_of(Emotion::kSadness), text::Language::kEnglish, 42);
  auto c = b.choose("I feel sad today", dist_of(Emotion::kSadness), text::Language::kEnglish, 42);
  EXPECT_EQ(a.index, c.index);
}

TEST(ResponseBankTest, KoreanMessageGetsKoreanReply) {
  auto b = ResponseBank::load_korean_csv(fixtures() / "chat" / "ko_bank.csv");
  ASSERT_EQ(b.size(), 13u);
  EXPECT_EQ(b.count(text::Language::kKorean), 13u);
  auto c = b.choose("시험 때문에 너무 불안해서 잠이 안 와", dist_of(Emotion::kFear),
                    text::Language::kKorean, 5);
  const auto& e = b.entry(c.index);
  EXPECT_EQ(e.prompt, "불안해서 잠이 안 와");
  EXPECT_TRUE(has(e.emotions, Emotion::kFear));
  EXPECT_EQ(text::detect_language(e.reply), text::Language::kKorean);
  // The quoted answer with a comma and the label with trailing spaces ("2   ") parse.
  auto j = b.choose("합격했어", dist_of(Emotion::kJoy), text::Language::kKorean, 1);
  EXPECT_EQ(b.entry(j.index).reply, "축하해요, 정말 잘 됐어요!");
  EXPECT_TRUE(has(b.entry(j.index).emotions, Emotion::kJoy));
}

TEST(ResponseBankTest, MissingOrMalformedFilesSayWhatAndWhere) {
  try {
    ResponseBank::load_korean_csv("/nonexistent/korean_chatbot_data/ChatbotData.csv");
    FAIL() << "expected an error";
  } catch (const MuseError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
    EXPECT_NE(std::string(e.what()).find("ChatbotData.csv"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("songys/Chatbot_data"), std::string::npos) << e.what();
  }
  try {
    ResponseBank::load_tsv(fixtures() / "chat" / "bad_bank.tsv", text::Language::kEnglish);
    FAIL() << "expected an error";
  } catch (const MuseError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("bad_bank.tsv:3"), std::string::npos) << e.what();
  }
  auto dir = muse::testing::temp_path("muse-chat-bad-csv");
  fs::create_directories(dir);
  std::ofstream(dir / "b.csv") << "Q,A,label\nhi,hello,7\n";
  try {
    ResponseBank::load_korean_csv(dir / "b.csv");
    FAIL() << "expected an error";
  } catch (const MuseError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("b.csv:2"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
  EXPECT_THROW(ResponseBank({}).choose("hi", Dist{}, text::Language::kEnglish, 0), MuseError);
}

// ---- gauge ----

mood::SentenceMood sentence(const std::string& text, Emotion e, float p) {
  mood::SentenceMood s;
  s.text = text;
  s.language = text::detect_language(text);
  const int l = static_cast<int>(e);
  s.probs.fill(0.05f);
  s.probs[l] = p;
  s.labels = static_cast<emotion::LabelSet>(1u << l);
  s.shares.fill((1.f - p) / 6);
  s.shares[l] = p;
  s.weight = 0.05f + 1.f - s.shares[emotion::kNeutral];
  return s;
}

ListenerTurn turn(const std::string& text, Emotion e, float p) {
  return {text, {sentence(text, e, p)}};
}

TEST(GaugeTest, SmallTalkNeverFillsIt) {
  std::vector<ListenerTurn> turns;
  for (int i = 0; i < 50; ++i) {
    turns.push_back(turn(i % 2 ? "hi" : "ok", Emotion::kNeutral, 0.9f));
    // Even if the model called "hi" joyful, a one-word sentence is small talk.
    turns.push_back(turn("hi", Emotion::kJoy, 0.95f));
    auto g = compute_gauge(turns);
    EXPECT_FALSE(g.full);
    EXPECT_LT(g.value, 0.3f);
  }
  // Neutral chatter of normal length does not fill it either.
  std::vector<ListenerTurn> chatter;
  for (int i = 0; i < 30; ++i) {
    chatter.push_back(
        turn("I had lunch at noon number " + std::to_string(i), Emotion::kNeutral, 0.9f));
  }
  EXPECT_FALSE(compute_gauge(chatter).full);
}

TEST(GaugeTest, GrowsMonotonicallyAndSaturates) {
  const std::vector<ListenerTurn> convo = {
      turn("hi", Emotion::kNeutral, 0.9f),
      turn("I feel so lonely since we broke up", Emotion::kSadness, 0.8f),
      turn("I cried all night and I can't sleep", Emotion::kSadness, 0.75f),
      turn("ok", Emotion::kNeutral, 0.9f),
      turn("Everything feels empty and gray without her", Emotion::kSadness, 0.8f),
      turn("I miss her so much it hurts", Emotion::kSadness, 0.85f),
      turn("I am scared I will always be alone", Emotion::kFear, 0.7f),
      turn("Nobody calls me anymore and I feel forgotten", Emotion::kSadness, 0.8f),
  };
  float prev = -1;
  bool was_full = false;
  int full_at = -1;
  for (size_t n = 1; n <= convo.size(); ++n) {
    auto g = compute_gauge(std::span(convo).first(n));
    EXPECT_GE(g.value, prev) << n;
    EXPECT_LE(g.value, 1.f);
    EXPECT_GE(g.value, 0.f);
    EXPECT_EQ(g.messages, static_cast<int>(n));
    if (was_full) {
      EXPECT_TRUE(g.full) << n;
    }
    if (g.full && full_at < 0) full_at = static_cast<int>(n);
    was_full = g.full;
    prev = g.value;
  }
  // Full after 3-5 emotional messages (here: messages 2, 3, 5 and 6 are emotional).
  EXPECT_GE(full_at, 4);
  EXPECT_LE(full_at, 7);
  EXPECT_FLOAT_EQ(compute_gauge(convo).value, 1.f);
}

TEST(GaugeTest, OneLongMessageOrRepeatsCannotFillIt) {
  ListenerTurn longmsg{"many sentences", {}};
  for (int i = 0; i < 40; ++i)
    longmsg.sentences.push_back(sentence("I am so sad and alone tonight", Emotion::kSadness, 0.9f));
  auto g = compute_gauge(std::span(&longmsg, 1));
  EXPECT_FALSE(g.full);
  std::vector<ListenerTurn> repeats(10,
                                    turn("I am so sad and alone tonight", Emotion::kSadness, 0.9f));
  repeats[3].text = "I am so SAD  and alone tonight";  // case and spacing do not make it new
  EXPECT_FALSE(compute_gauge(repeats).full);
  EXPECT_EQ(compute_gauge(repeats).messages, 10);
}

TEST(GaugeTest, ConfidentEmotionCountsMoreThanTentative) {
  bool st = true;
  float strong =
      sentence_evidence(sentence("I am terrified of tomorrow", Emotion::kFear, 0.9f), {}, &st);
  EXPECT_FALSE(st);
  float weak =
      sentence_evidence(sentence("I am terrified of tomorrow", Emotion::kFear, 0.4f), {}, &st);
  EXPECT_GT(strong, weak);
  EXPECT_EQ(sentence_evidence(sentence("I had some lunch today", Emotion::kNeutral, 0.9f), {}, &st),
            0.f);
  EXPECT_TRUE(st);
}

// ---- pooling with a real (fixture-trained) model ----

std::shared_ptr<const emotion::EmotionClassifier> fixture_model() {
  static auto model = [] {
    auto dir = fixtures() / "mood";
    auto clf = std::make_shared<emotion::EmotionClassifier>();
    emotion::TrainOptions o;
    o.features.hash_bits = 14;
    o.epochs = 20;
    o.learning_rate = 0.5f;
    clf->train(text::Language::kEnglish, emotion::read_labelled_tsv(dir / "emotion_train.tsv"),
               emotion::read_labelled_tsv(dir / "emotion_dev.tsv"), o);
    return clf;
  }();
  return model;
}

TEST(PooledAnalysisTest, ConversationPoolsLikeOneText) {
  mood::MoodAnalyzer analyzer(fixture_model(), nullptr);
  const std::vector<std::string> msgs = {"I am so sad and lonely.", "I cried all day.",
                                         "What a wonderful surprise!"};
  std::vector<ListenerTurn> turns;
  std::string all;
  for (const auto& m : msgs) {
    turns.push_back({m, analyzer.analyze(m).sentences});
    all += m + "\n";
  }
  auto pooled = pooled_analysis(turns);
  auto whole = analyzer.analyze(all);
  ASSERT_EQ(pooled.sentences.size(), whole.sentences.size());
  for (int l = 0; l < emotion::kNumLabels; ++l)
    EXPECT_NEAR(pooled.distribution[l], whole.distribution[l], 1e-5) << l;
  EXPECT_NEAR(pooled.valence, whole.valence, 1e-5);
  EXPECT_NEAR(pooled.arousal, whole.arousal, 1e-5);
  EXPECT_THROW(pooled_analysis({}), MuseError);
}

}  // namespace
}  // namespace muse::chat
