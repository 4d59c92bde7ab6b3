#pragma once
/// Request metrics on the hot path: fixed slots per route, relaxed atomics only (no locks),
/// rendered as Prometheus text on demand.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "util/error.h"

namespace muse::server {

class Metrics {
 public:
  /// Upper bounds in seconds of the latency histogram buckets (+Inf is implicit).
  static constexpr std::array<double, 13> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,    0.25,  0.5,    1.0,   2.5,   5.0};
  static constexpr int kNumErrorCodes = static_cast<int>(ErrorCode::kInternal) + 1;

  /// `labels[i]` = {method, route} of slot i.
  explicit Metrics(std::vector<std::pair<std::string, std::string>> labels);

  size_t slots() const { return labels_.size(); }
  void observe(size_t slot, int status, double seconds);
  void error(ErrorCode code) { errors_[static_cast<int>(code)].fetch_add(1, std::memory_order_relaxed); }
  void in_flight(int delta) { in_flight_.fetch_add(delta, std::memory_order_relaxed); }

  /// Prometheus text exposition; `extra` is appended verbatim (gauges owned by others).
  std::string render(const std::string& extra) const;

  uint64_t requests(size_t slot) const;

 private:
  struct Slot {
    std::array<std::atomic<uint64_t>, 6> status{};  ///< 1xx..5xx, other
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};
    std::atomic<uint64_t> sum_us{0};
    std::atomic<uint64_t> count{0};
  };
  std::vector<std::pair<std::string, std::string>> labels_;
  std::unique_ptr<Slot[]> slots_;
  std::array<std::atomic<uint64_t>, kNumErrorCodes> errors_{};
  std::atomic<int64_t> in_flight_{0};
};

}  // namespace muse::server
