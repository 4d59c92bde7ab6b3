#pragma once
/// 2-D maps of the catalogue. The goal is neighbour preservation: tracks that sound alike
/// should sit together. `umap_layout` is a UMAP-style layout (fuzzy kNN graph, SGD with
/// negative sampling); `pca_layout` is the linear baseline and the UMAP initialisation.
#include <cstdint>
#include <string>
#include <vector>

#include "catalog/feature_space.h"
#include "util/progress.h"

namespace muse::index {
class VectorIndex;
}

namespace muse::explore {

using catalog::RowMatrix;

/// k nearest neighbours of every row (itself excluded), row-major n x k.
struct KnnGraph {
  int k = 0;
  std::vector<int32_t> neighbors;
  std::vector<float> distances;  ///< Euclidean (not squared), ascending per row
};

/// Uses `index` (built over exactly these rows, e.g. the catalogue's HNSW) when given,
/// otherwise an exact search.
KnnGraph knn_graph(const RowMatrix& x, int k, const index::VectorIndex* index = nullptr,
                   const ProgressFn& progress = {});

struct UmapParams {
  int n_neighbors = 15;
  int epochs = 0;  ///< 0 = 200 above 10,000 points, else 500 (UMAP's defaults)
  int negative_samples = 5;
  float learning_rate = 1.f;
  /// Output kernel 1 / (1 + a d^(2b)); these values are UMAP's fit for min_dist = 0.1.
  float a = 1.577f, b = 0.895f;
  uint64_t seed = 42;
};

/// n x 2 layout. Deterministic for a seed when run on one thread; with more threads the
/// lock-free (Hogwild) updates make runs differ slightly.
RowMatrix umap_layout(const RowMatrix& x, const KnnGraph& graph, const UmapParams& params = {},
                      const ProgressFn& progress = {});

/// Projection on the first two principal components, n x 2.
RowMatrix pca_layout(const RowMatrix& x);

/// Mean share of each sampled point's k nearest neighbours in `high` that are among its k
/// nearest in `low` (both exact; the point itself excluded). 1 = perfect, ~k/n = random.
double neighbourhood_preservation(const RowMatrix& high, const RowMatrix& low, int k, int sample,
                                  uint64_t seed);

}  // namespace muse::explore
