// muse serve [--port P] [--host H] [--web-root DIR] [--threads N]
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "cli/command.h"
#include "server/server.h"
#include "util/timer.h"

namespace muse::cli {
namespace {

Command cmd([](CLI::App& root, Context& ctx) {
  struct Opts {
    server::ServerOptions server;
    bool no_access_log = false;
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
  s->callback([&ctx, o] {
    o->server.access_log = !o->no_access_log;
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
      std::fflush(stdout);
      ::_exit(0);
    }
    loader.join();
    spdlog::info("stopped");
  });
});

}  // namespace
}  // namespace muse::cli
