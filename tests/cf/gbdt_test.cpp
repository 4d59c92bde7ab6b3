#include "cf/gbdt.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <vector>

namespace muse::cf {
namespace {

// In-place dense prediction must match XGBoost's DMatrix path, NaN (missing) cells included.
TEST(Gbdt, InplacePredictMatchesDMatrixPath) {
  std::vector<float> x, y;
  for (int r = 0; r < 200; ++r) {
    float a = static_cast<float>(r % 17), b = static_cast<float>((r * 7) % 13);
    x.push_back(a);
    x.push_back(r % 5 == 0 ? std::numeric_limits<float>::quiet_NaN() : b);
    y.push_back(a + (r % 5 == 0 ? 3.f : b) > 12.f ? 1.f : 0.f);
  }
  Gbdt g;
  g.train(x, 2, y, {}, {"binary:logistic", 20, 3, 0.3f, 1.f, 1.f, 1.f, 1, 7});
  auto a = g.predict(x.data(), 200), b = g.predict_dmatrix(x.data(), 200);
  ASSERT_EQ(a.size(), 200u);
  ASSERT_EQ(b.size(), 200u);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_FLOAT_EQ(a[i], b[i]) << i;
  EXPECT_LT(*std::min_element(a.begin(), a.end()), 0.3f);  // learned: both classes separated
  EXPECT_GT(*std::max_element(a.begin(), a.end()), 0.7f);
  // A sub-block (one query's rows) scores the same as inside the full block.
  auto c = g.predict(x.data() + 2 * 50, 7);
  for (size_t i = 0; i < c.size(); ++i) EXPECT_FLOAT_EQ(c[i], a[50 + i]);
}

}  // namespace
}  // namespace muse::cf
