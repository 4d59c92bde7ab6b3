#include "util/paths.h"

#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "util/error.h"

namespace muse {
namespace fs = std::filesystem;

namespace {
fs::path exe_dir() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : p.parent_path();
}
}  // namespace

fs::path resolve_data_dir(const std::string& flag) {
  if (!flag.empty()) return fs::path(flag);
  if (const char* env = std::getenv("MUSE_DATA_DIR"); env != nullptr && *env != '\0') {
    return fs::path(env);
  }
  std::vector<fs::path> candidates = {fs::current_path() / ".." / "shared" / "data"};
  if (auto d = exe_dir(); !d.empty()) {
    candidates.push_back(d / ".." / ".." / "shared" / "data");
    candidates.push_back(d / ".." / ".." / ".." / "shared" / "data");
  }
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_directory(c, ec)) return fs::weakly_canonical(c);
  }
  return candidates.front();
}

fs::path require_dataset(const fs::path& data_dir, const fs::path& relative,
                         const std::string& how_to_get) {
  fs::path p = data_dir / relative;
  std::error_code ec;
  if (!fs::exists(p, ec)) {
    MUSE_THROW(ErrorCode::kNotFound,
               "dataset file {} not found (data directory {}). {} Put it there, or point "
               "--data-dir / MUSE_DATA_DIR at the folder that holds it.",
               relative.string(), data_dir.string(), how_to_get);
  }
  return p;
}

fs::path resolve_home(const std::string& flag) {
  if (!flag.empty()) return fs::path(flag);
  if (const char* env = std::getenv("MUSE_HOME"); env != nullptr && *env != '\0') {
    return fs::path(env);
  }
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0') {
    return fs::path(xdg) / "muse";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return fs::path(home) / ".local" / "share" / "muse";
  }
  return fs::current_path() / "muse-home";
}

}  // namespace muse
