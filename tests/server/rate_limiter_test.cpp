// Token buckets with an injected clock: burst, refill, Retry-After, independent keys, off.
#include "server/rate_limiter.h"

#include <gtest/gtest.h>

namespace muse::server {
namespace {

using std::chrono::seconds;

TEST(RateLimiterTest, BurstThenRefillWithRetryAfter) {
  RateLimiter lim(3);  // 3 a minute: one every 20 s
  auto t0 = RateLimiter::Clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(lim.take("a", t0).allowed) << i;
  auto no = lim.take("a", t0);
  EXPECT_FALSE(no.allowed);
  EXPECT_EQ(no.retry_after_s, 20);
  EXPECT_FALSE(lim.take("a", t0 + seconds(10)).allowed);
  EXPECT_TRUE(lim.take("a", t0 + seconds(21)).allowed);
  EXPECT_FALSE(lim.take("a", t0 + seconds(21)).allowed);
  // Other keys have their own buckets; a long pause refills to the burst size, not beyond.
  EXPECT_TRUE(lim.take("b", t0).allowed);
  auto later = t0 + seconds(3600);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(lim.take("a", later).allowed) << i;
  EXPECT_FALSE(lim.take("a", later).allowed);
}

TEST(RateLimiterTest, ZeroIsOffAndKeyFloodsStayBounded) {
  RateLimiter off(0);
  auto t0 = RateLimiter::Clock::now();
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(off.take("x", t0).allowed);
  RateLimiter lim(1, 16);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(lim.take("k" + std::to_string(i), t0).allowed);
  // Recent keys keep their state up to the cap.
  EXPECT_FALSE(lim.take("k999", t0).allowed);
}

}  // namespace
}  // namespace muse::server
