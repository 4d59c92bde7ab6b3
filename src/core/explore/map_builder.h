#pragma once
/// Builds the micro-genre map of a catalogue in memory: k-means over the scaled audio
/// features, then a 2-D layout. Files and caching are the App's business.
#include <string>

#include "catalog/catalog.h"
#include "catalog/feature_space.h"
#include "explore/catalog_map.h"
#include "explore/layout.h"
#include "util/progress.h"

namespace muse::index {
class VectorIndex;
}

namespace muse::explore {

struct MapParams {
  int k = 0;                    ///< 0 = default_k(n)
  std::string layout = "umap";  ///< "umap" or "pca"
  uint64_t seed = 42;
  int restarts = 1;
  int max_iterations = 50;
  int n_neighbors = 15;
  int epochs = 0;  ///< 0 = UMAP default for the size
  /// Playlist co-occurrence factors' share (total variance relative to the audio block) in the
  /// clustering space; 0 = audio only. Used by the App when the store has playlists.
  float cooc_weight = 1.f;
  int cooc_factors = 16;
};

struct MapBuildStats {
  int k = 0;
  int iterations = 0;
  double inertia = 0;
  double kmeans_seconds = 0, knn_seconds = 0, layout_seconds = 0, total_seconds = 0;  ///< wall
  double kmeans_cpu_seconds = 0, knn_cpu_seconds = 0, layout_cpu_seconds = 0, total_cpu_seconds = 0;
  double cooc_seconds = 0, cooc_cpu_seconds = 0;  ///< ALS + imputation (App, with playlists)
  int cluster_dims = 0;  ///< columns k-means saw (audio + co-occurrence factors)
};

/// The documented default: about 100 tracks per micro-genre, at least 2 and at most 1,000
/// clusters (a browsable size that still leaves enough songs per cluster to recommend from).
int default_k(size_t n);

/// `x` is the catalogue in the feature space (rows = catalogue rows). `knn_index`, if given,
/// must hold exactly those rows (e.g. the serving HNSW index) and speeds up the kNN graph.
CatalogMap build_map(const RowMatrix& x, const MapParams& params,
                     const index::VectorIndex* knn_index, const ProgressFn& progress = {},
                     MapBuildStats* stats = nullptr);

/// Same, clustering on `cluster_x` (same rows as `x`, e.g. audio + co-occurrence factors; null =
/// `x`) while the layout stays on `x`. `graph`, if given, is the kNN graph of `x` with
/// params.n_neighbors neighbours (already computed for the factors' imputation).
CatalogMap build_map(const RowMatrix& x, const RowMatrix* cluster_x, const KnnGraph* graph,
                     const MapParams& params, const index::VectorIndex* knn_index,
                     const ProgressFn& progress = {}, MapBuildStats* stats = nullptr);

}  // namespace muse::explore
