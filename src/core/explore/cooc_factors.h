#pragma once
/// Playlist co-occurrence factors for micro-genres. Audio features cannot tell a latin pop
/// song from a dance-pop one; the playlists people put songs in can. Tracks are embedded by
/// implicit ALS on the playlist x track matrix (the cf module's solver, unchanged). Tracks in
/// no playlist get the mean factors of their audio-feature neighbours that have factors, so
/// the whole catalogue lives in one space. The factor block is then scaled so that its total
/// variance is `weight` times that of the audio block: weight 1 gives both halves equal say.
#include <cstdint>
#include <vector>

#include "catalog/feature_space.h"
#include "explore/layout.h"
#include "util/progress.h"

namespace muse::explore {

using catalog::RowMatrix;

struct CoocParams {
  /// Total variance of the factor block relative to the audio block; 0 = audio only.
  float weight = 1.f;
  int factors = 16;
  int iterations = 15;
  float regularization = 0.05f;
  float alpha = 1.f;
  uint64_t seed = 42;
  /// Imputation rounds over the kNN graph (round r may use rows imputed in round r - 1).
  int impute_rounds = 4;
};

struct CoocEmbedding {
  RowMatrix factors;         ///< n x factors, centred over the catalogue, unscaled
  size_t playlists = 0;      ///< playlists with at least 2 catalogue tracks (those fitted)
  size_t learned_rows = 0;   ///< rows that occur in a fitted playlist
  size_t imputed_rows = 0;   ///< rows given their audio neighbours' mean
  size_t fallback_rows = 0;  ///< rows with no factored neighbour within the rounds: the mean (0)
};

/// `playlists` hold catalogue rows (< n_rows); `audio_graph` is the audio-feature kNN graph of
/// the same n_rows rows. Throws kInvalidArgument for a row out of range, bad parameters or a
/// graph of another size; playlists with fewer than two rows are ignored.
CoocEmbedding learn_cooc_factors(const std::vector<std::vector<uint32_t>>& playlists, size_t n_rows,
                                 const KnnGraph& audio_graph, const CoocParams& params,
                                 const ProgressFn& progress = {});

/// [audio | s * factors] with s chosen so the factor block's total variance is `weight` times
/// the audio block's (columns of `audio` are left as they are, so centroids' first columns
/// stay in the feature space). Returns s through `scale` when given.
RowMatrix combine_features(const RowMatrix& audio, const RowMatrix& factors, float weight,
                           double* scale = nullptr);

/// Sum of the column variances of `x` (its total variance).
double total_variance(const RowMatrix& x);

}  // namespace muse::explore
