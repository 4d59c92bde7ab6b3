#pragma once
/// The playlist-continuation model slot: trained from the stored playlists + catalogue on first
/// use, kept in HOME/continuation.model, retrained when playlists or tracks change.
#include <memory>

#include "app/app.h"
#include "cf/continuation.h"

namespace muse::app {

/// Throws kUnavailable if the store holds no playlists or the catalogue is empty.
std::shared_ptr<const cf::ContinuationModel> continuation_model(App& app, bool retrain = false,
                                                                const ProgressFn& progress = {});

}  // namespace muse::app
