#pragma once
/// CLI commands register themselves: each cmd_*.cpp defines a static `Command` that adds a
/// CLI11 subcommand. main() parses global options, builds the App and runs the callback.
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/app.h"
#include "util/error.h"

namespace muse::cli {

struct GlobalOptions {
  std::string home;
  std::string data_dir;
  std::string store_url;
  bool quiet = false;
  std::string admin_token;  ///< set by `serve --admin-token-file` before the App is built
};

/// Shared by every command: global options and the lazily-created App.
class Context {
 public:
  GlobalOptions options;
  app::App& app();
  /// True when stderr is a terminal and --quiet is off: draw progress bars.
  bool interactive() const;
  /// A ProgressFn drawing a bar on stderr (no-op when not interactive).
  ProgressFn progress(std::string label) const;
  /// The listener of `token_flag` (or $MUSE_TOKEN when empty); kUnauthenticated otherwise.
  storage::Listener listener(const std::string& token_flag);

 private:
  std::unique_ptr<app::App> app_;
};

using Setup = std::function<void(CLI::App& root, Context& ctx)>;

struct Command {
  explicit Command(Setup setup);
};
std::vector<Setup>& commands();

/// Prints JSON to stdout (pretty when a terminal).
void print_json(const nlohmann::json& j);

}  // namespace muse::cli
