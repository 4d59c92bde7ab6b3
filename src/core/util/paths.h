#pragma once
/// Where Muse finds public datasets (the data directory) and keeps its own files (the home).
#include <filesystem>
#include <string>

namespace muse {

/// Data directory: `flag` if non-empty, else $MUSE_DATA_DIR, else the first existing of
/// ./../shared/data, <exe>/../../shared/data (a build dir inside the project), ../shared/data.
std::filesystem::path resolve_data_dir(const std::string& flag = "");

/// Returns data_dir/relative, or throws kNotFound naming the dataset, where it was looked for,
/// and what to download (taken from `how_to_get`).
std::filesystem::path require_dataset(const std::filesystem::path& data_dir,
                                      const std::filesystem::path& relative,
                                      const std::string& how_to_get);

/// Muse home: `flag`, else $MUSE_HOME, else $XDG_DATA_HOME/muse, else ~/.local/share/muse.
std::filesystem::path resolve_home(const std::string& flag = "");

}  // namespace muse
