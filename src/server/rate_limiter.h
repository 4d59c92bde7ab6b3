#pragma once
/// Token buckets keyed by caller (a listener token id, a client IP): `per_minute` requests a
/// minute on average with bursts up to `per_minute`. The buckets live in this process's
/// memory only: each replica limits on its own (N replicas admit up to N times the budget).
/// The store holds all listener state; the limiter is a guard against runaway clients, not
/// an accounting system.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace muse::server {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  /// per_minute = 0 turns the limiter off.
  explicit RateLimiter(int per_minute, size_t max_keys = 100000);

  struct Decision {
    bool allowed = true;
    int retry_after_s = 0;  ///< whole seconds until one request fits again (>= 1 when refused)
  };
  /// Takes one request from `key`'s bucket.
  Decision take(const std::string& key, Clock::time_point now = Clock::now());
  int per_minute() const { return per_minute_; }

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last;
  };
  int per_minute_;
  size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace muse::server
