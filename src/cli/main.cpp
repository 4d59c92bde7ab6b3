#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/command.h"
#include "util/error.h"

namespace muse::cli {

std::vector<Setup>& commands() {
  static std::vector<Setup> list;
  return list;
}

Command::Command(Setup setup) { commands().push_back(std::move(setup)); }

app::App& Context::app() {
  if (!app_) {
    app::Options o;
    o.home = options.home;
    o.data_dir = options.data_dir;
    o.store_url = options.store_url;
    o.admin_token = options.admin_token;
    app_ = std::make_unique<app::App>(o);
  }
  return *app_;
}

bool Context::interactive() const { return !options.quiet && ::isatty(STDERR_FILENO); }

storage::Listener Context::listener(const std::string& token_flag) {
  std::string token = token_flag;
  if (token.empty()) {
    const char* env = std::getenv("MUSE_TOKEN");
    token = env ? env : "";
  }
  if (token.empty())
    MUSE_THROW(ErrorCode::kUnauthenticated,
               "give --token or set MUSE_TOKEN (from `muse listener create`)");
  auto who = app().store().authenticate(token);
  if (!who) MUSE_THROW(ErrorCode::kUnauthenticated, "that token is not valid for this store");
  return *who;
}

ProgressFn Context::progress(std::string label) const {
  if (!interactive()) return {};
  return
      [label, last = std::string()](std::string_view stage, uint64_t done, uint64_t total) mutable {
        std::string line;
        if (total > 0) {
          int pct = static_cast<int>(100.0 * done / total);
          int filled = pct * 30 / 100;
          line = fmt::format("\r{} {:<8} [{}{}] {:3d}%", label, stage, std::string(filled, '#'),
                             std::string(30 - filled, '.'), pct);
        } else {
          line = fmt::format("\r{} {:<8} {}", label, stage, done);
        }
        if (line != last) {
          std::fputs(line.c_str(), stderr);
          if (total > 0 && done >= total) std::fputs("\n", stderr);
          std::fflush(stderr);
          last = line;
        }
      };
}

void print_json(const nlohmann::json& j) {
  std::cout << (::isatty(STDOUT_FILENO) ? j.dump(2) : j.dump()) << "\n";
}

int exit_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 2;
    case ErrorCode::kNotFound:
      return 3;
    case ErrorCode::kUnavailable:
      return 4;
    case ErrorCode::kDataLoss:
      return 5;
    default:
      return 1;
  }
}

}  // namespace muse::cli

int main(int argc, char** argv) {
  using namespace muse::cli;
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  CLI::App root{"Muse — music recommendations from audio features, playlists and moods"};
  root.require_subcommand(1);
  Context ctx;
  root.add_option("--home", ctx.options.home, "Muse home directory (env MUSE_HOME)");
  root.add_option("--data-dir", ctx.options.data_dir, "public datasets folder (env MUSE_DATA_DIR)");
  root.add_option(
      "--store", ctx.options.store_url,
      "store URL: a SQLite path or postgresql://... (env MUSE_STORE; default HOME/muse.db)");
  root.add_flag("-q,--quiet", ctx.options.quiet, "no progress bars");
  for (auto& setup : commands()) setup(root, ctx);
  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return root.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "muse: error: %s\n", e.what());
    return 2;
  } catch (const muse::MuseError& e) {
    std::fprintf(stderr, "muse: error: %s\n", e.what());
    spdlog::debug("thrown at {}", e.where());
    return exit_code(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "muse: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
