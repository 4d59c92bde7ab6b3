#include "explore/map_builder.h"

#include <algorithm>
#include <cmath>

#include "explore/cpu_timer.h"
#include "explore/kmeans.h"
#include "explore/layout.h"
#include "util/error.h"
#include "util/timer.h"

namespace muse::explore {

int default_k(size_t n) {
  if (n < 2) return 1;
  return static_cast<int>(std::clamp<long long>(std::llround(n / 100.0), 2, 1000));
}

CatalogMap build_map(const RowMatrix& x, const MapParams& p, const index::VectorIndex* knn_index,
                     const ProgressFn& progress, MapBuildStats* stats) {
  return build_map(x, nullptr, nullptr, p, knn_index, progress, stats);
}

CatalogMap build_map(const RowMatrix& x, const RowMatrix* cluster_x, const KnnGraph* graph,
                     const MapParams& p, const index::VectorIndex* knn_index,
                     const ProgressFn& progress, MapBuildStats* stats) {
  MUSE_CHECK_ARG(x.rows() > 0, "the catalogue is empty: import tracks before building clusters");
  MUSE_CHECK_ARG(p.layout == "umap" || p.layout == "pca",
                 "layout must be 'umap' or 'pca', got '{}'", p.layout.substr(0, 32));
  MapBuildStats st;
  Timer total;
  CpuTimer total_cpu, cpu;
  const int k = p.k == 0 ? default_k(x.rows()) : p.k;
  MUSE_CHECK_ARG(k > 0, "k must be positive, got {}", p.k);
  MUSE_CHECK_ARG(k <= x.rows(), "k = {} is larger than the catalogue ({} tracks)", k, x.rows());
  KMeansParams kp;
  kp.k = k;
  kp.seed = p.seed;
  kp.restarts = p.restarts;
  kp.max_iterations = p.max_iterations;
  const RowMatrix& cx = cluster_x ? *cluster_x : x;
  MUSE_CHECK_ARG(cx.rows() == x.rows(), "clustering features have {} rows, the catalogue {}",
                 cx.rows(), x.rows());
  Timer t;
  cpu.reset();
  KMeansResult km = KMeans(kp).fit(cx, progress);
  st.cluster_dims = static_cast<int>(cx.cols());
  st.k = k;
  st.iterations = km.iterations;
  st.inertia = km.inertia;
  st.kmeans_seconds = t.seconds();
  st.kmeans_cpu_seconds = cpu.seconds();
  RowMatrix coords;
  if (p.layout == "pca" || x.rows() < 3) {
    t.reset();
    cpu.reset();
    coords = pca_layout(x);
    st.layout_seconds = t.seconds();
    st.layout_cpu_seconds = cpu.seconds();
  } else {
    t.reset();
    cpu.reset();
    const int nn = std::min<int>(p.n_neighbors, static_cast<int>(x.rows()) - 1);
    KnnGraph own;
    if (!graph || graph->k != nn) own = knn_graph(x, nn, knn_index, progress);
    const KnnGraph& g = (graph && graph->k == nn) ? *graph : own;
    st.knn_seconds = t.seconds();
    st.knn_cpu_seconds = cpu.seconds();
    t.reset();
    cpu.reset();
    UmapParams up;
    up.n_neighbors = nn;
    up.epochs = p.epochs;
    up.seed = p.seed;
    coords = umap_layout(x, g, up, progress);
    st.layout_seconds = t.seconds();
    st.layout_cpu_seconds = cpu.seconds();
  }
  CatalogMap map = CatalogMap::build(std::move(km.labels), std::move(km.centroids),
                                     std::move(coords), p.layout, p.seed);
  st.total_seconds = total.seconds();
  st.total_cpu_seconds = total_cpu.seconds();
  if (stats) *stats = st;
  return map;
}

}  // namespace muse::explore
