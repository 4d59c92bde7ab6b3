#pragma once
/// How concentrated playlists are in a set of categories (micro-genres or genre labels).
/// Raw entropies are not comparable between schemes with different numbers and sizes of
/// categories, so each playlist's entropy is divided by the entropy a random set of the
/// same size from the same pool of tracks gets under that scheme ("chance"): a ratio of 1
/// means no more concentrated than chance, lower is more concentrated. Because entropy of a
/// handful of tracks saturates when there are many categories, the pairwise agreement (and
/// its lift over chance) is reported as well.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace muse::explore {

struct PlaylistTracks {
  std::string id;
  std::string name;
  std::vector<std::string> track_ids;
};

/// Reads a playlist membership CSV (columns playlist_id, track_id; playlist_name optional;
/// plain or .zst), grouped by playlist in first-seen order. Throws kInvalidArgument naming the
/// file and missing columns or the first malformed line.
std::vector<PlaylistTracks> read_playlists(const std::filesystem::path& path);

/// Per catalogue row: (category, weight) pairs summing to 1; multi-label rows split their weight.
using CategoryAssignment = std::vector<std::vector<std::pair<int32_t, float>>>;

struct ConcentrationStats {
  int categories = 0;
  size_t playlists = 0;            ///< playlists with at least min_tracks eligible tracks
  size_t tracks = 0;               ///< eligible playlist tracks counted
  double entropy_bits = 0;         ///< mean over playlists
  double chance_entropy_bits = 0;  ///< mean over playlists of the random-set expectation
  double ratio = 0;                ///< mean over playlists of entropy / chance entropy
  double top_share = 0;            ///< mean share of the playlist's largest category
  double chance_top_share = 0;
  /// Probability that two different tracks of a playlist share the category (label weights
  /// multiply for multi-label rows), mean over playlists. Unlike entropy this does not
  /// saturate at log2(size) for small playlists and many categories.
  double pair_agreement = 0;
  double chance_pair_agreement = 0;  ///< the same for two random eligible tracks
  double pair_lift = 0;              ///< pair_agreement / chance_pair_agreement
};

/// `playlists` hold catalogue rows; only rows with eligible[row] count, and the chance sets
/// are drawn (seeded, `draws` per playlist) from all eligible rows.
ConcentrationStats playlist_concentration(const std::vector<std::vector<uint32_t>>& playlists,
                                          const CategoryAssignment& assignment, int categories,
                                          const std::vector<bool>& eligible, int min_tracks,
                                          int draws, uint64_t seed);

/// Seeded assignment of `n` playlists to `folds` folds of (nearly) equal size, for
/// cross-fitting: factors learned on the other folds, scored on the held-out one.
std::vector<int> assign_folds(size_t n, int folds, uint64_t seed);

/// Playlist-weighted mean of per-fold statistics (each fold scored its own playlists); the
/// lift is recomputed from the pooled agreements.
ConcentrationStats pool_folds(const std::vector<ConcentrationStats>& folds);

}  // namespace muse::explore
