#pragma once
/// The running application: where files live, the store, and the immutable snapshots
/// (catalogue, feature space, indexes, models) that requests read. A rebuild makes a new
/// snapshot and swaps it in atomically; readers keep the one they hold until they finish.
#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/feature_space.h"
#include "catalog/track_importer.h"
#include "index/vector_index.h"
#include "recommend/content_recommender.h"
#include "storage/store.h"
#include "util/progress.h"

namespace muse::app {

struct Options {
  std::string home;                 ///< "" = resolve_home()
  std::string data_dir;             ///< "" = resolve_data_dir()
  std::string store_url;            ///< "" = $MUSE_STORE or HOME/muse.db
  std::string index_kind = "hnsw";  ///< serving index: "hnsw" or "exact"
  std::string
      admin_token;  ///< operators' token for admin routes; "" = $MUSE_ADMIN_TOKEN (unset = none)
};

/// Everything "more like these" needs, built from one catalogue revision.
struct ContentSnapshot {
  catalog::CatalogPtr catalog;
  std::shared_ptr<const catalog::FeatureSpace> space;
  std::shared_ptr<const index::VectorIndex> exact;
  std::shared_ptr<const index::VectorIndex> hnsw;
  std::shared_ptr<const recommend::ContentRecommender> recommender;  ///< over the serving index
};

struct ImportSummary {
  catalog::ImportReport report;
  size_t tracks = 0;  ///< distinct tracks parsed
  storage::UpsertStats stats;
  double parse_seconds = 0, store_seconds = 0, snapshot_seconds = 0, index_seconds = 0;
  int64_t catalog_size = 0;
};

class App {
 public:
  explicit App(Options options);
  ~App();

  const std::filesystem::path& home() const { return home_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  std::filesystem::path path(const std::string& name) const { return home_ / name; }
  const Options& options() const { return options_; }

  /// The store, opened (and migrated) on first use.
  storage::Store& store();

  /// Parses the files, upserts them in one transaction, rebuilds the snapshot and indexes.
  ImportSummary import_tracks(const std::vector<std::filesystem::path>& files,
                              const ProgressFn& progress = {}, bool build_index = true);

  /// Current content snapshot; loaded from HOME on first use, rebuilt if stale.
  /// Throws kUnavailable if the catalogue is empty.
  std::shared_ptr<const ContentSnapshot> content();
  /// Rebuilds catalogue snapshot + indexes from the store and swaps them in.
  std::shared_ptr<const ContentSnapshot> rebuild_content(const ProgressFn& progress = {});
  /// True once content() has a snapshot loaded.
  bool content_ready() const { return std::atomic_load(&content_) != nullptr; }

  /// Named model slots for other subsystems: lazily loaded, atomically replaced.
  template <class T>
  std::shared_ptr<const T> model(const std::string& key,
                                 const std::function<std::shared_ptr<const T>()>& load) {
    std::lock_guard lock(models_mu_);
    auto it = models_.find(key);
    if (it != models_.end() && it->second) return std::static_pointer_cast<const T>(it->second);
    auto m = load();
    models_[key] = m;
    return m;
  }
  template <class T>
  void set_model(const std::string& key, std::shared_ptr<const T> m) {
    std::lock_guard lock(models_mu_);
    models_[key] = std::move(m);
  }

 private:
  std::shared_ptr<const ContentSnapshot> load_or_build(const ProgressFn& progress);
  Options options_;
  std::filesystem::path home_, data_dir_;
  std::mutex store_mu_, build_mu_, content_mu_, models_mu_;
  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<const ContentSnapshot> content_;
  std::map<std::string, std::shared_ptr<const void>> models_;
};

/// Builds the HNSW + exact indexes and the recommender over a catalogue (no files touched).
std::shared_ptr<const ContentSnapshot> build_content(catalog::CatalogPtr catalog,
                                                     const std::string& index_kind = "hnsw",
                                                     const ProgressFn& progress = {});

/// A track argument from a person: an id in the catalogue, or a name resolved through search
/// (the best hit). Throws kNotFound naming the argument, kInvalidArgument if empty or huge.
std::string resolve_track(App& app, const catalog::Catalog& cat, const std::string& arg);

}  // namespace muse::app
