#include "app/clusters.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "explore/cooc_factors.h"
#include "explore/cpu_timer.h"
#include "util/binary_file.h"
#include "util/error.h"
#include "util/timer.h"

namespace muse::app {
namespace {
constexpr const char* kModelKey = "explore.clusters";

/// -1 when the backend keeps no playlists (PostgreSQL for now).
int64_t playlists_revision(App& app) {
  try {
    return app.store().playlists_revision();
  } catch (const MuseError& e) {
    if (e.code() == ErrorCode::kUnavailable) return -1;
    throw;
  }
}

std::shared_ptr<const ClusterSnapshot> assemble(std::shared_ptr<const ContentSnapshot> content,
                                                explore::CatalogMap map, catalog::RowMatrix x) {
  auto snap = std::make_shared<ClusterSnapshot>();
  snap->content = std::move(content);
  snap->map = std::move(map);
  snap->features = std::move(x);
  explore::ClusterDescriber describer(*snap->content->catalog, *snap->content->space);
  snap->clusters = describer.describe(snap->features, snap->map.labels(), snap->map.k());
  return snap;
}
}  // namespace

std::vector<std::vector<uint32_t>> playlist_rows(const catalog::Catalog& cat,
                                                 const std::vector<cf::Playlist>& playlists) {
  std::vector<std::vector<uint32_t>> out(playlists.size());
  for (size_t i = 0; i < playlists.size(); ++i) {
    for (const auto& id : playlists[i].tracks) {
      if (auto r = cat.find(id)) out[i].push_back(static_cast<uint32_t>(*r));
    }
  }
  return out;
}

uint64_t clusters_fingerprint(const ContentSnapshot& content) {
  uint64_t a = content.catalog->fingerprint(), b = content.space->fingerprint();
  return fnv1a(&b, sizeof(b), fnv1a("clusters", 8, a));
}

std::shared_ptr<const ClusterSnapshot> build_clusters(App& app, const explore::MapParams& params,
                                                      const ProgressFn& progress,
                                                      explore::MapBuildStats* stats) {
  MUSE_CHECK_ARG(
      std::isfinite(params.cooc_weight) && params.cooc_weight >= 0 && params.cooc_weight <= 100,
      "--cooc-weight must be in 0..100, got {}", params.cooc_weight);
  auto content = app.content();
  const auto& cat = *content->catalog;
  MUSE_CHECK_ARG(cat.size() > 0, "the catalogue is empty: import tracks before building clusters");
  catalog::RowMatrix x = content->space->transform_all(cat);
  explore::CoocInfo info;
  info.weight = params.cooc_weight;
  info.playlists_revision = playlists_revision(app);
  std::vector<std::vector<uint32_t>> rows;
  if (params.cooc_weight > 0 && info.playlists_revision >= 0) {
    rows = playlist_rows(cat, app.store().all_playlists());
  }
  size_t usable = 0;
  for (const auto& r : rows) usable += r.size() >= 2;
  if (usable == 0 || x.rows() < 3) {
    explore::CatalogMap map = explore::build_map(x, params, content->hnsw.get(), progress, stats);
    map.set_cooc(info);
    map.save(app.path(kClustersFile), clusters_fingerprint(*content));
    auto snap = assemble(content, std::move(map), std::move(x));
    app.set_model<ClusterSnapshot>(kModelKey, snap);
    return snap;
  }
  Timer t;
  explore::CpuTimer cpu;
  const int nn = std::min<int>(params.n_neighbors, static_cast<int>(x.rows()) - 1);
  explore::KnnGraph graph = explore::knn_graph(x, nn, content->hnsw.get(), progress);
  const double knn_s = t.seconds(), knn_cpu = cpu.seconds();
  t.reset();
  cpu.reset();
  explore::CoocParams cp;
  cp.weight = params.cooc_weight;
  cp.factors = params.cooc_factors;
  cp.seed = params.seed;
  auto emb = explore::learn_cooc_factors(rows, x.rows(), graph, cp, progress);
  catalog::RowMatrix cx = explore::combine_features(x, emb.factors, cp.weight, &info.scale);
  const double cooc_s = t.seconds(), cooc_cpu = cpu.seconds();
  info.factors = cp.factors;
  info.playlists = emb.playlists;
  info.learned_rows = emb.learned_rows;
  info.imputed_rows = emb.imputed_rows;
  info.fallback_rows = emb.fallback_rows;
  explore::MapBuildStats st;
  explore::CatalogMap map =
      explore::build_map(x, &cx, &graph, params, content->hnsw.get(), progress, &st);
  st.knn_seconds += knn_s;
  st.knn_cpu_seconds += knn_cpu;
  st.cooc_seconds = cooc_s;
  st.cooc_cpu_seconds = cooc_cpu;
  st.total_seconds += knn_s + cooc_s;
  st.total_cpu_seconds += knn_cpu + cooc_cpu;
  if (stats) *stats = st;
  map.set_cooc(info);
  map.save(app.path(kClustersFile), clusters_fingerprint(*content));
  auto snap = assemble(content, std::move(map), std::move(x));
  app.set_model<ClusterSnapshot>(kModelKey, snap);
  return snap;
}

std::shared_ptr<const ClusterSnapshot> clusters(App& app) {
  auto content = app.content();
  auto load = [&]() -> std::shared_ptr<const ClusterSnapshot> {
    const auto path = app.path(kClustersFile);
    if (!std::filesystem::exists(path)) {
      MUSE_THROW(ErrorCode::kUnavailable, "no micro-genres built yet: run `muse clusters build`");
    }
    explore::CatalogMap map;
    try {
      map = explore::CatalogMap::load(path, clusters_fingerprint(*content));
    } catch (const MuseError& e) {
      if (e.code() != ErrorCode::kDataLoss) throw;
      MUSE_THROW(ErrorCode::kUnavailable,
                 "the micro-genre map is out of date or unreadable ({}): run `muse clusters build`",
                 e.what());
    }
    // Built to use playlists, and the playlists changed since: stale as well.
    if (map.cooc().weight > 0 && map.cooc().playlists_revision != playlists_revision(app)) {
      MUSE_THROW(ErrorCode::kUnavailable,
                 "the micro-genre map is out of date (playlists were imported since it was "
                 "built): run `muse clusters build`");
    }
    return assemble(content, std::move(map), content->space->transform_all(*content->catalog));
  };
  auto snap = app.model<ClusterSnapshot>(kModelKey, load);
  if (snap->content->catalog != content->catalog) {  // the catalogue was rebuilt since
    snap = load();
    app.set_model<ClusterSnapshot>(kModelKey, snap);
  }
  return snap;
}

}  // namespace muse::app
