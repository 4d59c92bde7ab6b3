#include "server/feedback_load.h"

#include <httplib.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "util/error.h"
#include "util/timer.h"

namespace muse::server {
namespace {

using nlohmann::json;

struct Target {
  std::string host;
  int port = 80;
};

Target parse_url(const std::string& url) {
  std::string rest = url;
  MUSE_CHECK_ARG(rest.rfind("http://", 0) == 0, "--url must look like http://host:port, got '{}'",
                 url);
  rest = rest.substr(7);
  if (auto slash = rest.find('/'); slash != std::string::npos) rest = rest.substr(0, slash);
  Target t;
  auto colon = rest.rfind(':');
  t.host = rest.substr(0, colon);
  if (colon != std::string::npos) {
    try {
      t.port = std::stoi(rest.substr(colon + 1));
    } catch (const std::exception&) {
      MUSE_THROW(ErrorCode::kInvalidArgument, "bad port in --url '{}'", url);
    }
  }
  MUSE_CHECK_ARG(!t.host.empty() && t.port > 0 && t.port < 65536, "bad --url '{}'", url);
  return t;
}

std::unique_ptr<httplib::Client> connect(const Target& t) {
  auto c = std::make_unique<httplib::Client>(t.host, t.port);
  c->set_connection_timeout(5);
  c->set_read_timeout(30);
  c->set_write_timeout(30);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);  // else the body waits for a delayed ACK (~40 ms a request)
  return c;
}

}  // namespace

FeedbackLoadReport run_feedback_load(const FeedbackLoadOptions& o) {
  MUSE_CHECK_ARG(o.clients >= 1 && o.clients <= 1000, "--clients must be 1..1000");
  MUSE_CHECK_ARG(o.seconds > 0 && o.seconds <= 3600, "--seconds must be in (0, 3600]");
  Target target = parse_url(o.url);
  auto c = connect(target);
  auto ready = c->Get("/readyz");
  if (!ready)
    MUSE_THROW(ErrorCode::kUnavailable, "cannot reach {}: {}", o.url,
               httplib::to_string(ready.error()));
  if (ready->status != 200)
    MUSE_THROW(ErrorCode::kUnavailable, "{} is not ready: {}", o.url, ready->body);

  // Real track ids (the server 404s unknown ones): a few broad searches.
  std::set<std::string> ids;
  for (const char* q : {"a", "e", "i", "o", "s", "the", "love", "m", "night", "b"}) {
    auto r = c->Get(std::string("/api/v1/tracks/search?limit=100&q=") + q);
    if (!r || r->status != 200) continue;
    auto j = json::parse(r->body, nullptr, false);
    if (j.is_discarded()) continue;
    for (const auto& hit : j.value("results", json::array())) {
      if (hit.contains("track_id")) ids.insert(hit["track_id"].get<std::string>());
    }
  }
  if (ids.empty())
    MUSE_THROW(ErrorCode::kUnavailable, "{} returned no tracks to search: import a catalogue",
               o.url);
  std::vector<std::string> tracks(ids.begin(), ids.end());

  struct Client {
    int64_t id = 0;
    std::string token;
    int64_t acked = 0;
    std::vector<double> lat;
  };
  std::vector<Client> clients(o.clients);
  httplib::Headers admin;
  if (!o.admin_token.empty()) admin.emplace("Authorization", "Bearer " + o.admin_token);
  for (int i = 0; i < o.clients; ++i) {
    auto r = c->Post("/api/v1/listeners", admin, json{{"name", fmt::format("bench {}", i)}}.dump(),
                     "application/json");
    if (!r || r->status != 201)
      MUSE_THROW(ErrorCode::kUnavailable, "creating bench listener {} failed: {}", i,
                 r ? r->body : httplib::to_string(r.error()));
    auto j = json::parse(r->body);
    clients[i].id = j["listener"]["id"].get<int64_t>();
    clients[i].token = j["token"].get<std::string>();
  }

  std::atomic<bool> stop{false};
  std::atomic<int64_t> requests{0}, errors{0}, retries{0};
  std::mutex err_mu;
  FeedbackLoadReport rep;
  Timer wall;
  std::vector<std::thread> threads;
  for (int ci = 0; ci < o.clients; ++ci) {
    threads.emplace_back([&, ci] {
      Client& me = clients[ci];
      auto http = connect(target);
      httplib::Headers h = {{"Authorization", "Bearer " + me.token}};
      std::string path = fmt::format("/api/v1/listeners/{}/feedback", me.id);
      std::mt19937 rng(ci);
      for (int64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        int pick = static_cast<int>(rng() % 10);
        json body = {
            {"track_id", tracks[rng() % tracks.size()]},
            {"kind", pick < 5   ? "like"
                     : pick < 7 ? "rating"
                     : pick < 9 ? "skip"
                                : "dislike"},
            {"context",
             {{"source", "recommendations"}, {"list_id", fmt::format("bench-{}-{}", ci, i / 10)}}}};
        if (pick >= 5 && pick < 7) body["rating"] = 1 + static_cast<int>(rng() % 5);
        body["request_id"] = fmt::format("bench-{}-{}", ci, i);
        const std::string payload = body.dump();
        ++requests;
        Timer t;
        auto r = http->Post(path, h, payload, "application/json");
        if (!r) {  // transport failure: one retry on a new connection, same idempotency key
          ++retries;
          http = connect(target);
          r = http->Post(path, h, payload, "application/json");
        }
        if (r && r->status == 201) {
          me.lat.push_back(t.millis());
          ++me.acked;
          continue;
        }
        ++errors;
        std::lock_guard g(err_mu);
        if (rep.first_errors.size() < 5)
          rep.first_errors.push_back(r ? fmt::format("{}: {}", r->status, r->body.substr(0, 200))
                                       : httplib::to_string(r.error()));
        if (!r) http = connect(target);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  stop = true;
  for (auto& t : threads) t.join();
  rep.seconds = wall.seconds();
  rep.clients = o.clients;
  rep.requests = requests.load();
  rep.errors = errors.load();
  rep.retries = retries.load();

  // What the store holds, read back through the server (another replica would do as well).
  for (auto& cl : clients) {
    auto r = c->Get("/api/v1/listeners/me", {{"Authorization", "Bearer " + cl.token}});
    if (!r || r->status != 200)
      MUSE_THROW(ErrorCode::kUnavailable, "reading back listener {} failed: {}", cl.id,
                 r ? r->body : httplib::to_string(r.error()));
    int64_t stored = json::parse(r->body)["feedback_count"].get<int64_t>();
    rep.acknowledged += cl.acked;
    rep.stored += stored;
    rep.lost += std::max<int64_t>(0, cl.acked - stored);
    rep.unacknowledged_stored += std::max<int64_t>(0, stored - cl.acked);
    rep.latency_ms.insert(rep.latency_ms.end(), cl.lat.begin(), cl.lat.end());
  }
  return rep;
}

}  // namespace muse::server
