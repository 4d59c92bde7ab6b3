#include "app/clusters.h"

#include <filesystem>

#include "util/binary_file.h"
#include "util/error.h"

namespace muse::app {
namespace {
constexpr const char* kModelKey = "explore.clusters";

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

uint64_t clusters_fingerprint(const ContentSnapshot& content) {
  uint64_t a = content.catalog->fingerprint(), b = content.space->fingerprint();
  return fnv1a(&b, sizeof(b), fnv1a("clusters", 8, a));
}

std::shared_ptr<const ClusterSnapshot> build_clusters(App& app, const explore::MapParams& params,
                                                      const ProgressFn& progress,
                                                      explore::MapBuildStats* stats) {
  auto content = app.content();
  catalog::RowMatrix x = content->space->transform_all(*content->catalog);
  explore::CatalogMap map = explore::build_map(x, params, content->hnsw.get(), progress, stats);
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
