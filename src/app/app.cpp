#include "app/app.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>

#include "index/exact_index.h"
#include "index/hnsw_index.h"
#include "util/binary_file.h"
#include "util/error.h"
#include "util/paths.h"
#include "util/timer.h"

namespace muse::app {
namespace fs = std::filesystem;

namespace {
constexpr const char* kCatalogFile = "catalog.bin";
constexpr const char* kIndexFile = "content.hnsw";
constexpr const char* kRevisionFile = "catalog.rev";

uint64_t index_fingerprint(const catalog::Catalog& c, const catalog::FeatureSpace& s) {
  uint64_t a = c.fingerprint(), b = s.fingerprint();
  return fnv1a(&b, sizeof(b), a);
}

int64_t read_revision(const fs::path& p) {
  std::ifstream in(p);
  int64_t v = -1;
  if (!(in >> v)) return -1;
  return v;
}
}  // namespace

App::App(Options options) : options_(std::move(options)) {
  home_ = resolve_home(options_.home);
  data_dir_ = resolve_data_dir(options_.data_dir);
  if (options_.admin_token.empty()) {
    const char* env = std::getenv("MUSE_ADMIN_TOKEN");
    if (env) options_.admin_token = env;
  }
  std::error_code ec;
  fs::create_directories(home_, ec);
  if (ec)
    MUSE_THROW(ErrorCode::kUnavailable, "cannot create Muse home {}: {}", home_.string(),
               ec.message());
  MUSE_CHECK_ARG(options_.index_kind == "hnsw" || options_.index_kind == "exact",
                 "index kind must be hnsw or exact, got '{}'", options_.index_kind);
}

App::~App() = default;

storage::Store& App::store() {
  std::lock_guard lock(store_mu_);
  if (!store_) {
    std::string url = options_.store_url;
    if (url.empty()) {
      const char* env = std::getenv("MUSE_STORE");
      url = env && *env ? env : (home_ / "muse.db").string();
    }
    store_ = storage::open_store(url);
  }
  return *store_;
}

namespace {
/// Exact index (always, cheap) + the serving recommender over hnsw if given.
std::shared_ptr<const ContentSnapshot> assemble(catalog::CatalogPtr catalog,
                                                std::shared_ptr<const catalog::FeatureSpace> space,
                                                std::shared_ptr<const index::VectorIndex> hnsw) {
  auto snap = std::make_shared<ContentSnapshot>();
  snap->catalog = catalog;
  snap->space = space;
  catalog::RowMatrix x = space->transform_all(*catalog);
  auto exact = std::make_shared<index::ExactIndex>(space->dim());
  exact->add(x.data(), x.rows());
  snap->exact = exact;
  snap->hnsw = hnsw;
  snap->recommender =
      std::make_shared<recommend::ContentRecommender>(catalog, space, hnsw ? hnsw : snap->exact);
  return snap;
}
}  // namespace

std::shared_ptr<const ContentSnapshot> build_content(catalog::CatalogPtr catalog,
                                                     const std::string& index_kind,
                                                     const ProgressFn& progress) {
  auto space = std::make_shared<catalog::FeatureSpace>(catalog::FeatureSpace::fit(*catalog));
  std::shared_ptr<index::HnswIndex> hnsw;
  if (index_kind == "hnsw") {
    catalog::RowMatrix x = space->transform_all(*catalog);
    hnsw = std::make_shared<index::HnswIndex>(space->dim(), x.rows());
    constexpr index::idx_t kChunk = 8192;
    for (index::idx_t s = 0; s < x.rows(); s += kChunk) {
      index::idx_t len = std::min(kChunk, static_cast<index::idx_t>(x.rows()) - s);
      hnsw->add(x.row(s).data(), len);
      report(progress, "index", s + len, x.rows());
    }
  }
  return assemble(catalog, space, hnsw);
}

ImportSummary App::import_tracks(const std::vector<fs::path>& files, const ProgressFn& progress,
                                 bool build_index) {
  MUSE_CHECK_ARG(!files.empty(), "no files to import");
  ImportSummary sum;
  Timer t;
  catalog::TrackImporter importer;
  for (const auto& f : files) importer.read_file(f, progress);
  sum.report = importer.report();
  auto tracks = importer.take_tracks();
  sum.tracks = tracks.size();
  sum.parse_seconds = t.seconds();
  t.reset();
  if (!tracks.empty()) sum.stats = store().upsert_tracks(tracks);
  sum.store_seconds = t.seconds();
  if (build_index) {
    t.reset();
    auto snap = rebuild_content(progress);
    sum.snapshot_seconds = t.seconds();
    sum.catalog_size = static_cast<int64_t>(snap->catalog->size());
  } else {
    sum.catalog_size = store().track_count();
  }
  return sum;
}

std::shared_ptr<const ContentSnapshot> App::rebuild_content(const ProgressFn& progress) {
  std::lock_guard lock(build_mu_);
  const int64_t rev = store().tracks_revision();
  auto tracks = store().all_tracks();
  if (tracks.empty()) {
    MUSE_THROW(ErrorCode::kUnavailable,
               "the catalogue is empty: run `muse import tracks FILE` first (e.g. "
               "{}/spotify_tracks_114k/spotify_tracks_114k.csv.zst)",
               data_dir_.string());
  }
  auto catalog = catalog::Catalog::build(std::move(tracks));
  catalog->save(path(kCatalogFile));
  auto snap = build_content(catalog, options_.index_kind, progress);
  if (snap->hnsw) snap->hnsw->save(path(kIndexFile), index_fingerprint(*catalog, *snap->space));
  {
    std::ofstream out(path(kRevisionFile).string() + ".tmp");
    out << rev << "\n";
  }
  fs::rename(path(kRevisionFile).string() + ".tmp", path(kRevisionFile));
  std::atomic_store(&content_, snap);
  return snap;
}

std::shared_ptr<const ContentSnapshot> App::load_or_build(const ProgressFn& progress) {
  const int64_t rev = store().tracks_revision();
  if (rev > 0 && read_revision(path(kRevisionFile)) == rev && fs::exists(path(kCatalogFile))) {
    try {
      auto catalog = catalog::Catalog::load(path(kCatalogFile));
      auto space = catalog::FeatureSpace::fit(*catalog);
      std::shared_ptr<const index::VectorIndex> hnsw;
      if (options_.index_kind == "hnsw") {
        hnsw = index::HnswIndex::load(path(kIndexFile), index_fingerprint(*catalog, space));
      }
      return assemble(catalog, std::make_shared<catalog::FeatureSpace>(std::move(space)), hnsw);
    } catch (const MuseError& e) {
      spdlog::warn("snapshot in {} unusable ({}); rebuilding", home_.string(), e.what());
    }
  }
  return rebuild_content(progress);
}

std::shared_ptr<const ContentSnapshot> App::content() {
  auto snap = std::atomic_load(&content_);
  if (snap) return snap;
  std::lock_guard lock(content_mu_);  // one loader at a time
  snap = std::atomic_load(&content_);
  if (snap) return snap;
  snap = load_or_build({});
  std::atomic_store(&content_, snap);
  return snap;
}

std::string resolve_track(App& app, const catalog::Catalog& cat, const std::string& arg) {
  MUSE_CHECK_ARG(!arg.empty() && arg.size() <= 200, "track id or name must be 1..200 bytes");
  if (cat.find(arg)) return arg;
  auto hits = app.store().search_tracks(arg, 1);
  if (hits.empty())
    MUSE_THROW(ErrorCode::kNotFound, "no track with id or name '{}'", arg.substr(0, 80));
  return hits.front().track.id;
}

}  // namespace muse::app
