#pragma once
/// Micro-genres and the catalogue map as an App model: built by `muse clusters build`,
/// stored in HOME/clusters.map (fingerprinted with the catalogue and feature space, so a
/// re-import makes it stale), loaded lazily and shared by the CLI and the server.
#include <memory>
#include <vector>

#include "app/app.h"
#include "cf/playlist.h"
#include "explore/catalog_map.h"
#include "explore/cluster_describer.h"
#include "explore/map_builder.h"

namespace muse::app {

struct ClusterSnapshot {
  std::shared_ptr<const ContentSnapshot> content;
  explore::CatalogMap map;
  catalog::RowMatrix features;  ///< the catalogue in the feature space
  std::vector<explore::ClusterDescription> clusters;
};

constexpr const char* kClustersFile = "clusters.map";

/// Catalogue rows of each playlist's songs (songs not in the catalogue dropped).
std::vector<std::vector<uint32_t>> playlist_rows(const catalog::Catalog& cat,
                                                 const std::vector<cf::Playlist>& playlists);

/// Fingerprint a map file must carry to match this content snapshot.
uint64_t clusters_fingerprint(const ContentSnapshot& content);

/// Builds clusters + layout for the current catalogue, saves them in HOME and swaps them in.
/// When the store has playlists and params.cooc_weight > 0, k-means runs on the audio features
/// plus playlist co-occurrence factors (explore/cooc_factors.h); the map stays on audio.
std::shared_ptr<const ClusterSnapshot> build_clusters(App& app, const explore::MapParams& params,
                                                      const ProgressFn& progress = {},
                                                      explore::MapBuildStats* stats = nullptr);

/// The map of the current catalogue. Throws kUnavailable (with the command to run) when none
/// was built or the stored one is stale.
std::shared_ptr<const ClusterSnapshot> clusters(App& app);

}  // namespace muse::app
