#pragma once
#include <CLI/CLI.hpp>
#include <string>

namespace muse::cli {

/// A parent subcommand ("eval", "bench", ...) shared by several cmd_*.cpp files: returns the
/// existing one or adds it.
inline CLI::App* subcommand_group(CLI::App& root, const std::string& name,
                                  const std::string& description) {
  for (auto* s : root.get_subcommands([](CLI::App*) { return true; }))
    if (s->get_name() == name) return s;
  auto* s = root.add_subcommand(name, description);
  s->require_subcommand(1);
  return s;
}

}  // namespace muse::cli
