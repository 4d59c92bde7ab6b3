#include "app/continuation.h"

#include <spdlog/spdlog.h>

#include <fstream>

#include "util/error.h"

namespace muse::app {
using muse::ErrorCode;
using muse::MuseError;

namespace {
std::shared_ptr<const cf::ContinuationModel> load_or_train(App& app, bool retrain,
                                                           const ProgressFn& progress) {
  auto catalog = app.content()->catalog;
  auto path = app.path("continuation.model");
  auto rev_path = app.path("continuation.rev");
  int64_t rev = app.store().playlists_revision();
  if (!retrain && std::filesystem::exists(path)) {
    std::ifstream in(rev_path);
    int64_t saved = -1;
    in >> saved;
    if (saved == rev) {
      try {
        return cf::ContinuationModel::load(path, catalog, progress);
      } catch (const MuseError& e) {
        if (e.code() != ErrorCode::kDataLoss) throw;
        spdlog::warn("{}; retraining", e.what());
      }
    }
  }
  auto playlists = app.store().all_playlists();
  if (playlists.empty()) {
    MUSE_THROW(ErrorCode::kUnavailable,
               "no playlists in the store; run `muse import playlists "
               "spotify_playlists/playlists.csv.zst`");
  }
  spdlog::info("training the continuation model on {} playlists", playlists.size());
  auto m = cf::ContinuationModel::fit(catalog, std::move(playlists), {}, progress);
  m->save(path);
  std::ofstream(rev_path) << rev << "\n";
  return m;
}
}  // namespace

std::shared_ptr<const cf::ContinuationModel> continuation_model(App& app, bool retrain,
                                                                const ProgressFn& progress) {
  if (retrain) {
    auto m = load_or_train(app, true, progress);
    app.set_model<cf::ContinuationModel>("continuation", m);
    return m;
  }
  return app.model<cf::ContinuationModel>("continuation",
                                          [&] { return load_or_train(app, false, progress); });
}

}  // namespace muse::app
