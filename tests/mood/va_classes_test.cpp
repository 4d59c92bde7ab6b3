#include "emotion/va_classes.h"

#include <gtest/gtest.h>

#include "util/error.h"

using namespace muse::emotion;

TEST(VaClasses, RatingsMapToQuadrantClasses) {
  EXPECT_EQ(va_class_of_ratings(3.3f, 2.0f), VaClass::kPositive);
  EXPECT_EQ(va_class_of_ratings(2.7f, 3.0f), VaClass::kNegativeActive);
  EXPECT_EQ(va_class_of_ratings(2.2f, 2.9f), VaClass::kNegativePassive);
  EXPECT_EQ(va_class_of_ratings(3.0f, 4.0f), VaClass::kNeutral);
}

TEST(VaClasses, PredictionPicksTheStrongestDecidedLabel) {
  std::array<float, kNumLabels> t{};
  t.fill(0.5f);
  std::array<float, kNumLabels> p{};
  const auto bit = [](Emotion e) { return static_cast<LabelSet>(1u << static_cast<int>(e)); };
  p[static_cast<int>(Emotion::kJoy)] = 0.6f;
  p[static_cast<int>(Emotion::kSadness)] = 0.9f;
  EXPECT_EQ(va_class_of_prediction(bit(Emotion::kJoy) | bit(Emotion::kSadness), p, t),
            VaClass::kNegativePassive);
  EXPECT_EQ(va_class_of_prediction(bit(Emotion::kJoy), p, t), VaClass::kPositive);
  EXPECT_EQ(va_class_of_prediction(bit(Emotion::kFear), p, t), VaClass::kNegativeActive);
  EXPECT_EQ(va_class_of_prediction(bit(Emotion::kSurprise), p, t), VaClass::kNeutral);
  EXPECT_EQ(va_class_of_prediction(0, p, t), VaClass::kNeutral);
}

TEST(VaClasses, F1HandWorked) {
  using C = VaClass;
  std::vector<C> gold{C::kPositive, C::kPositive, C::kNeutral, C::kNegativeActive};
  std::vector<C> pred{C::kPositive, C::kNeutral, C::kNeutral, C::kNeutral};
  auto r = va_class_f1(gold, pred);
  // positive: tp 1, support 2, predicted 1 -> 2/3; neutral: tp 1, support 1, predicted 3 -> 1/2;
  // negative_active: 0; negative_passive: no support, none predicted -> 0
  EXPECT_NEAR(r.f1[0], 2.0 / 3, 1e-9);
  EXPECT_NEAR(r.f1[3], 0.5, 1e-9);
  EXPECT_NEAR(r.macro_f1, (2.0 / 3 + 0.5) / 4, 1e-9);
  EXPECT_NEAR(r.accuracy, 0.5, 1e-9);
  EXPECT_THROW(va_class_f1(gold, std::vector<C>{C::kPositive}), muse::MuseError);
}
