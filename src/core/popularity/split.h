#pragma once
/// Grouped train/validation/test split of a track CSV: every row of a track_id lands on the
/// same side, so a track listed under several genres is never on both sides. Output files
/// keep the input's header and column layout.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "util/progress.h"

namespace muse::popularity {

struct SplitOptions {
  double test_fraction = 0.2;  ///< of all tracks
  double valid_fraction =
      0.1;  ///< of the non-test tracks; used only when a valid file is asked for
  uint64_t seed = 42;
};

struct SplitCounts {
  size_t train_rows = 0, train_tracks = 0;
  size_t valid_rows = 0, valid_tracks = 0;
  size_t test_rows = 0, test_tracks = 0;
  /// Rows the track importer rejects (they could never be trained or evaluated on), with
  /// file, line and reason; they are left out of every side.
  std::vector<std::string> dropped;
};

/// Reads `input` (a track CSV in a layout the importer knows, plain or zstd), writes the sides
/// as plain CSV. Rows the importer would reject are dropped and listed in `dropped`; an
/// unknown header or a record with broken quoting throws kInvalidArgument naming file and line.
SplitCounts grouped_split(const std::filesystem::path& input, const std::filesystem::path& train,
                          const std::filesystem::path& test,
                          const std::optional<std::filesystem::path>& valid,
                          const SplitOptions& options, const ProgressFn& progress = {});

/// One CSV field, quoted (RFC 4180) only when it has to be.
std::string csv_field(std::string_view s);

}  // namespace muse::popularity
