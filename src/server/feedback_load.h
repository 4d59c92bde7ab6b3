#pragma once
/// The HTTP side of `muse bench feedback --url`: N concurrent clients, each a listener of its
/// own with a keep-alive connection, POST feedback to a running `muse serve` for a fixed
/// time; afterwards every client's acknowledged (201) writes are compared with the
/// feedback_count the server reports from its store. Lives here because only the server
/// layer includes the HTTP library.
#include <cstdint>
#include <string>
#include <vector>

namespace muse::server {

struct FeedbackLoadOptions {
  std::string url;  ///< http://host:port
  int clients = 50;
  double seconds = 60;
  std::string admin_token;  ///< optional: sent on listener creation (exempt from --create-limit)
};

struct FeedbackLoadReport {
  int clients = 0;
  double seconds = 0;
  int64_t requests = 0;      ///< feedback POSTs sent
  int64_t acknowledged = 0;  ///< answered 201
  int64_t errors = 0;        ///< any other status, or no answer even after one retry
  /// Requests resent once on a fresh connection after a transport failure (e.g. the server
  /// closed an idle keep-alive connection as the request left). Safe because every write
  /// carries a request_id: a retry of a write that did land returns its first id.
  int64_t retries = 0;
  int64_t stored = 0;  ///< feedback_count summed over the clients' listeners afterwards
  int64_t lost = 0;    ///< acknowledged but not counted in the store
  int64_t unacknowledged_stored = 0;
  std::vector<double> latency_ms;  ///< of acknowledged writes
  std::vector<std::string> first_errors;
};

/// Throws kUnavailable if the server cannot be reached or is not ready.
FeedbackLoadReport run_feedback_load(const FeedbackLoadOptions& options);

}  // namespace muse::server
