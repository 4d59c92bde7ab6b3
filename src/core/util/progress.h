#pragma once
/// Long-running core work reports progress through this callback; the CLI draws a bar,
/// the server logs, tests pass nothing. Core code never writes to the terminal itself.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace muse {

/// (stage, done, total). total may be 0 when unknown.
using ProgressFn = std::function<void(std::string_view stage, uint64_t done, uint64_t total)>;

inline void report(const ProgressFn& fn, std::string_view stage, uint64_t done, uint64_t total) {
  if (fn) fn(stage, done, total);
}

/// A callback that reports to `fn` with "prefix: stage" (empty when fn is), for a sub-task.
inline ProgressFn prefixed(const ProgressFn& fn, std::string prefix) {
  if (!fn) return {};
  return [fn, prefix = std::move(prefix)](std::string_view stage, uint64_t done, uint64_t total) {
    fn(prefix + ": " + std::string(stage), done, total);
  };
}

}  // namespace muse
