#include "server/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace muse::server {

RateLimiter::RateLimiter(int per_minute, size_t max_keys)
    : per_minute_(std::max(0, per_minute)), max_keys_(std::max<size_t>(16, max_keys)) {}

RateLimiter::Decision RateLimiter::take(const std::string& key, Clock::time_point now) {
  if (per_minute_ == 0) return {};
  const double capacity = per_minute_;
  const double per_second = per_minute_ / 60.0;
  std::lock_guard lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      // Forget buckets that have refilled completely: they carry no information.
      for (auto b = buckets_.begin(); b != buckets_.end();) {
        double secs = std::chrono::duration<double>(now - b->second.last).count();
        if (b->second.tokens + secs * per_second >= capacity)
          b = buckets_.erase(b);
        else
          ++b;
      }
      // Still full (a flood of distinct keys): start over rather than grow without bound.
      if (buckets_.size() >= max_keys_) buckets_.clear();
    }
    it = buckets_.emplace(key, Bucket{capacity, now}).first;
  }
  Bucket& b = it->second;
  double secs = std::max(0.0, std::chrono::duration<double>(now - b.last).count());
  b.tokens = std::min(capacity, b.tokens + secs * per_second);
  b.last = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  int wait = static_cast<int>(std::ceil((1.0 - b.tokens) / per_second));
  return {false, std::max(1, wait)};
}

}  // namespace muse::server
