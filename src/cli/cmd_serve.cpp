// muse serve [--port P] [--host H] [--web-root DIR] [--threads N] [--rate-limit N] [--create-limit N]
//            [--admin-token-file FILE]
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>

#include "cli/command.h"
#include "server/server.h"
#include "util/timer.h"

namespace muse::cli {
namespace {

/// Access-log lines are batched into one write() per ~16 KiB or per second (spdlog's
/// stock stderr sinks flush every line: a syscall per request on the hot path).
class BufferedStderrSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  ~BufferedStderrSink() override { flush_(); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    buf_.append(line.data(), line.size());
    if (buf_.size() >= 16384) flush_();
  }
  void flush_() override {
    size_t done = 0;
    while (done < buf_.size()) {
      ssize_t n = ::write(STDERR_FILENO, buf_.data() + done, buf_.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    buf_.clear();
  }

 private:
  std::string buf_;
};

void use_buffered_log() {
  auto logger = std::make_shared<spdlog::logger>("muse", std::make_shared<BufferedStderrSink>());
  logger->set_level(spdlog::default_logger()->level());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
}

Command cmd([](CLI::App& root, Context& ctx) {
  struct Opts {
    server::ServerOptions server;
    bool no_access_log = false;
    std::string admin_token_file;
  };
  auto o = std::make_shared<Opts>();
  auto* s = root.add_subcommand("serve", "run the HTTP API and the web app");
  s->add_option("-p,--port", o->server.port, "TCP port (0 = any free port)")->default_val(8080);
  s->add_option("--host", o->server.host, "address to listen on")->default_val("127.0.0.1");
  s->add_option("--web-root", o->server.web_root, "folder of the web app (default: found automatically)");
  s->add_option("--vendor-root", o->server.vendor_root, "node_modules folder served under /vendor/");
  s->add_option("--threads", o->server.threads, "worker threads, one per open connection (default 64)");
  s->add_option("--max-body", o->server.max_body_bytes, "largest request body in bytes")->default_val(1 << 20);
  s->add_option("--read-timeout", o->server.read_timeout_s, "seconds before a slow client is dropped")
      ->default_val(5);
  s->add_flag("--no-access-log", o->no_access_log, "do not log one line per request");
  s->add_option("--rate-limit", o->server.rate_limit_per_minute,
                "requests per minute per listener token, this replica (0 = off)")
      ->default_val(600)
      ->check(CLI::Range(0, 1000000));
  s->add_option("--create-limit", o->server.create_limit_per_minute,
                "listener creations per minute per client IP, this replica (0 = off)")
      ->default_val(30)
      ->check(CLI::Range(0, 1000000));
  s->add_option("--admin-token-file", o->admin_token_file,
                "file holding the operators' admin token (default: $MUSE_ADMIN_TOKEN)");
  s->callback([&ctx, o] {
    if (!o->admin_token_file.empty()) {
      std::ifstream in(o->admin_token_file);
      if (!in) MUSE_THROW(ErrorCode::kNotFound, "cannot read --admin-token-file {}", o->admin_token_file);
      std::string token;
      std::getline(in, token);
      while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
      MUSE_CHECK_ARG(token.size() >= 16, "the admin token in {} is too short (at least 16 characters)",
                     o->admin_token_file);
      ctx.options.admin_token = token;
    }
    o->server.access_log = !o->no_access_log;
    if (!::isatty(STDERR_FILENO)) use_buffered_log();
    // Requests allocate and free a few KiB each on many threads; glibc's fastbins then
    // trigger malloc_consolidate on every larger allocation (~8% of CPU under load).
    mallopt(M_MXFAST, 0);
    // SIGINT/SIGTERM are handled by sigwait below: block them before any thread starts so
    // every thread inherits the mask and the signal reaches only this one.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    app::App& app = ctx.app();
    Timer started;
    server::Server srv(app, o->server);
    srv.start();
    std::printf("Muse listening on %s  (web root %s)\n", srv.url().c_str(), srv.web_root().c_str());
    std::fflush(stdout);

    // Load the catalogue snapshot and indexes once; /readyz turns 200 when done.
    std::atomic<bool> loading{true};
    std::thread loader([&] {
      try {
        auto snap = app.content();
        spdlog::info("ready in {:.0f} ms: {} tracks, {} index", started.seconds() * 1e3,
                     snap->catalog->size(), snap->hnsw ? "hnsw" : "exact");
      } catch (const std::exception& e) {
        srv.set_not_ready_reason(e.what());
        spdlog::error("catalogue not loaded: {}", e.what());
      }
      loading = false;
    });

    int sig = 0;
    sigwait(&stop_signals, &sig);
    spdlog::info("{} received: finishing in-flight requests", sig == SIGINT ? "SIGINT" : "SIGTERM");
    srv.stop();
    if (loading) {
      // The loader cannot be interrupted; nothing has been written by it that needs flushing.
      spdlog::info("stopped while still loading");
      spdlog::default_logger()->flush();
      std::fflush(stdout);
      ::_exit(0);
    }
    loader.join();
    spdlog::info("stopped");
    spdlog::default_logger()->flush();
  });
});

}  // namespace
}  // namespace muse::cli
