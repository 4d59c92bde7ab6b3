#include <gtest/gtest.h>

#include <string>

#include "text/featurizer.h"
#include "text/language.h"
#include "text/lexicon.h"
#include "text/normalize.h"
#include "text/sentence_splitter.h"
#include "util/error.h"

using namespace muse;
using namespace muse::text;

namespace {
std::vector<std::string> texts(const std::vector<Sentence>& s) {
  std::vector<std::string> out;
  for (const auto& x : s) out.push_back(x.text);
  return out;
}
}  // namespace

TEST(Normalize, NfkcFoldsCompatibilityForms) {
  EXPECT_EQ(nfkc("ＨＥＬＬＯ １２３"), "HELLO 123");
  EXPECT_EQ(nfkc("ﬁne"), "fine");
  EXPECT_EQ(nfkc("plain ascii"), "plain ascii");
  // Compatibility jamo stay; decomposed Hangul is composed.
  EXPECT_EQ(nfkc("\u1112\u1161\u11AB"), "한");
}

TEST(Normalize, CheckTextRejectsBadInput) {
  try {
    check_text(std::string("ok \xff bad"), "diary");
    FAIL() << "no throw";
  } catch (const MuseError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("offset 3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("diary"), std::string::npos);
  }
  std::string big(kMaxTextBytes + 1, 'a');
  try {
    check_text(big);
    FAIL() << "no throw";
  } catch (const MuseError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kPayloadTooLarge);
  }
  EXPECT_NO_THROW(check_text(std::string(kMaxTextBytes, 'a')));
}

TEST(Sentences, English) {
  auto s = texts(split_sentences("I love this song. But why did it end?! Mr. Smith was sad..."));
  ASSERT_GE(s.size(), 3u);
  EXPECT_EQ(s[0], "I love this song.");
  EXPECT_EQ(s[1], "But why did it end?!");
  EXPECT_EQ(s.back().substr(s.back().size() - 3), "...");
}

TEST(Sentences, LineBreaksEndSentences) {
  auto s = texts(split_sentences("first line without a stop\nsecond line\r\n\n  third  "));
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0], "first line without a stop");
  EXPECT_EQ(s[1], "second line");
  EXPECT_EQ(s[2], "third");
}

TEST(Sentences, KoreanPunctuated) {
  auto s = texts(split_sentences("오늘 정말 좋았다. 내일도 좋을까? 그럼 좋겠어!"));
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0], "오늘 정말 좋았다.");
  EXPECT_EQ(s[1], "내일도 좋을까?");
}

TEST(Sentences, KoreanWithoutPunctuation) {
  auto s = texts(split_sentences("오늘 너무 힘들었다 그래도 친구가 위로해줘서 고마웠어요 내일은 괜찮을까"));
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0], "오늘 너무 힘들었다");
  EXPECT_EQ(s[1], "그래도 친구가 위로해줘서 고마웠어요");
  EXPECT_EQ(s[2], "내일은 괜찮을까");
  // "보다" (than) and "바다" (sea) are not sentence endings.
  EXPECT_EQ(split_sentences("너보다 바다 여행이 좋다").size(), 1u);
}

TEST(Sentences, MixedLanguagesAndOffsets) {
  std::string t = "I'm so happy today! 오늘 기분 최고다";
  auto s = split_sentences(t);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].text, "오늘 기분 최고다");
  EXPECT_EQ(t.substr(s[1].begin, s[1].end - s[1].begin), s[1].text);
  EXPECT_TRUE(split_sentences("").empty());
  EXPECT_TRUE(split_sentences("   \n\n ").empty());
}

TEST(Sentences, CapsTheCount) {
  std::string t;
  for (int i = 0; i < 50; ++i) t += "Short one. ";
  auto s = split_sentences(t, 10);
  ASSERT_EQ(s.size(), 10u);
  EXPECT_GT(s.back().text.size(), 20u);  // the rest merged into the last
}

TEST(Language, DetectsByScript) {
  EXPECT_EQ(detect_language("I feel great today"), Language::kEnglish);
  EXPECT_EQ(detect_language("오늘 기분이 좋다"), Language::kKorean);
  EXPECT_EQ(detect_language("오늘 meeting 너무 길었다"), Language::kKorean);
  EXPECT_EQ(detect_language("12345 !!!"), Language::kUnknown);
  EXPECT_EQ(detect_language("😭😭😭"), Language::kUnknown);
  EXPECT_EQ(detect_language("Привет как дела"), Language::kUnknown);
  auto c = count_scripts("a한😭1");
  EXPECT_EQ(c.latin, 1);
  EXPECT_EQ(c.hangul, 1);
  EXPECT_EQ(c.symbols, 1);
  EXPECT_EQ(c.digits, 1);
}

TEST(Tokenize, LowercasesSqueezesAndMarksNegation) {
  TextFeatures tf;
  tokenize("Don't STOP!!! Sooooo good 😭", tf);
  ASSERT_EQ(tf.tokens.size(), 6u);  // don't stop ! soo good 😭
  EXPECT_EQ(tf.words, 4);
  EXPECT_TRUE(tf.flags[0] & kTokenNegator);
  EXPECT_TRUE(tf.flags[1] & kTokenNegated);
  EXPECT_FALSE(tf.flags[2] & kTokenWord);
  EXPECT_FALSE(tf.flags[4] & kTokenNegated);  // "!" ended the negation scope
  EXPECT_EQ(Featurizer::token_hash("sooo"), Featurizer::token_hash("SOOOOOOO"));
  EXPECT_EQ(Featurizer::token_hash("two words"), 0u);
}

TEST(Featurizer, DeterministicBoundedAndNormalised) {
  FeatureConfig c;
  c.hash_bits = 12;
  Featurizer f(c);
  TextFeatures a, b;
  f.featurize("I really love this song", a);
  f.featurize("i REALLY love this song", b);
  EXPECT_EQ(a.ids, b.ids);
  ASSERT_FALSE(a.ids.empty());
  double word2 = 0, total2 = 0;
  for (size_t i = 0; i < a.ids.size(); ++i) {
    EXPECT_LT(a.ids[i], 1u << 12);
    total2 += a.values[i] * a.values[i];
    if (i < 9) word2 += a.values[i] * a.values[i];  // 5 unigrams + 4 bigrams come first
  }
  EXPECT_NEAR(word2, 1.0, 1e-4);
  EXPECT_NEAR(total2, 2.0, 1e-3);  // word group + char group, each of unit L2 mass
  FeatureConfig bad;
  bad.hash_bits = 40;
  EXPECT_THROW(Featurizer{bad}, MuseError);
}

TEST(Lexicon, DenseFeaturesRespectNegation) {
  Lexicon lex;
  EXPECT_TRUE(lex.add("good", 0, 0.5f));
  EXPECT_TRUE(lex.add("bad", 0, -0.5f));
  EXPECT_FALSE(lex.add("two words", 0, 0.5f));
  TextFeatures tf;
  float pos[Lexicon::kDenseFeatures], neg[Lexicon::kDenseFeatures];
  tokenize("this is good", tf);
  lex.dense_features(tf, pos);
  tokenize("this is not good", tf);
  lex.dense_features(tf, neg);
  EXPECT_GT(pos[0], 0.f);  // positive sum
  EXPECT_EQ(neg[0], 0.f);
  EXPECT_GT(neg[1], 0.f);  // negated "good" counts as negative
}
