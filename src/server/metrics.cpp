#include "server/metrics.h"

#include <fmt/format.h>

namespace muse::server {

Metrics::Metrics(std::vector<std::pair<std::string, std::string>> labels)
    : labels_(std::move(labels)), slots_(new Slot[labels_.size()]) {}

void Metrics::observe(size_t slot, int status, double seconds) {
  if (slot >= labels_.size()) return;
  Slot& s = slots_[slot];
  int cls = status >= 100 && status < 600 ? status / 100 - 1 : 5;
  s.status[cls].fetch_add(1, std::memory_order_relaxed);
  size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  s.buckets[b].fetch_add(1, std::memory_order_relaxed);
  s.sum_us.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
  s.count.fetch_add(1, std::memory_order_relaxed);
}

uint64_t Metrics::requests(size_t slot) const {
  return slot < labels_.size() ? slots_[slot].count.load(std::memory_order_relaxed) : 0;
}

std::string Metrics::render(const std::string& extra) const {
  static const char* kClass[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};
  fmt::memory_buffer out;
  auto put = [&](fmt::string_view f, auto&&... args) {
    fmt::vformat_to(std::back_inserter(out), f, fmt::make_format_args(args...));
  };
  put("# HELP muse_http_requests_total HTTP requests by route and status class.\n");
  put("# TYPE muse_http_requests_total counter\n");
  for (size_t i = 0; i < labels_.size(); ++i) {
    for (int c = 0; c < 6; ++c) {
      uint64_t v = slots_[i].status[c].load(std::memory_order_relaxed);
      if (v == 0) continue;
      put("muse_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
          labels_[i].first, labels_[i].second, kClass[c], v);
    }
  }
  put("# HELP muse_http_request_duration_seconds Time from routing to response, by route.\n");
  put("# TYPE muse_http_request_duration_seconds histogram\n");
  for (size_t i = 0; i < labels_.size(); ++i) {
    const Slot& s = slots_[i];
    uint64_t count = s.count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    std::string lbl = fmt::format("method=\"{}\",route=\"{}\"", labels_[i].first, labels_[i].second);
    uint64_t cum = 0;
    for (size_t b = 0; b < kBuckets.size(); ++b) {
      cum += s.buckets[b].load(std::memory_order_relaxed);
      put("muse_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", lbl, kBuckets[b], cum);
    }
    cum += s.buckets[kBuckets.size()].load(std::memory_order_relaxed);
    put("muse_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", lbl, cum);
    put("muse_http_request_duration_seconds_sum{{{}}} {:.6f}\n", lbl,
        s.sum_us.load(std::memory_order_relaxed) / 1e6);
    put("muse_http_request_duration_seconds_count{{{}}} {}\n", lbl, cum);
  }
  put("# HELP muse_http_errors_total Error responses by Muse error code.\n");
  put("# TYPE muse_http_errors_total counter\n");
  for (int c = 0; c < kNumErrorCodes; ++c) {
    put("muse_http_errors_total{{code=\"{}\"}} {}\n", error_code_name(static_cast<ErrorCode>(c)),
        errors_[c].load(std::memory_order_relaxed));
  }
  put("# HELP muse_http_in_flight_requests Requests being handled now.\n");
  put("# TYPE muse_http_in_flight_requests gauge\n");
  put("muse_http_in_flight_requests {}\n", in_flight_.load(std::memory_order_relaxed));
  out.append(extra.data(), extra.data() + extra.size());
  return fmt::to_string(out);
}

}  // namespace muse::server
