#include "util/text.h"

#include <gtest/gtest.h>

using namespace muse;

TEST(Text, FoldKeyLowersStripsAccentsAndPunctuation) {
  EXPECT_EQ(fold_key("Beyoncé - Halo (Remastered)"), "beyonce halo remastered");
  EXPECT_EQ(fold_key("  MÖTLEY   CRÜE!! "), "motley crue");
  EXPECT_EQ(fold_key("방탄소년단 Dynamite"), "방탄소년단 dynamite");
  EXPECT_EQ(fold_key("!!!"), "");
}

TEST(Text, BaseTitleDropsVersionSuffixes) {
  EXPECT_EQ(base_title("Here Comes The Sun - Remastered 2009"), "Here Comes The Sun");
  EXPECT_EQ(base_title("Halo (Live)"), "Halo");
  EXPECT_EQ(base_title("Song [Radio Edit]"), "Song");
  EXPECT_EQ(base_title("Stay feat. Someone"), "Stay");
  EXPECT_EQ(base_title("(Intro)"), "(Intro)");  // nothing left to cut to
  EXPECT_EQ(base_title("- Dash"), "- Dash");
}

TEST(Text, Utf8Validation) {
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("한국어 ✓ 🎵"));
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_EQ(first_invalid_utf8("ok\xffno"), 2u);
}

TEST(Text, SplitTrimJoin) {
  EXPECT_EQ(split(" a ; b;;c ", ';'), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(split("a,,b", ',', false), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(trim("\t x \r\n"), "x");
  EXPECT_EQ(join({"a", "b"}, ", "), "a, b");
}
