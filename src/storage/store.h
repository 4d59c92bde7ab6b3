#pragma once
/// Persistence behind one interface, implemented for SQLite (embedded default) and
/// PostgreSQL. Nothing above this layer writes SQL.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "catalog/track.h"
#include "cf/playlist.h"

namespace muse::storage {

struct SearchHit {
  catalog::Track track;
  double score = 0;  ///< higher is better
};

struct UpsertStats {
  size_t inserted = 0;
  size_t updated = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual std::string backend() const = 0;  ///< "sqlite" or "postgresql"
  virtual int schema_version() = 0;

  // ---- tracks ----
  /// Inserts or updates tracks in one transaction; genres are unioned with stored ones.
  /// On any error nothing of the batch is written.
  virtual UpsertStats upsert_tracks(std::span<const catalog::Track> tracks) = 0;
  virtual std::optional<catalog::Track> get_track(const std::string& id) = 0;
  virtual std::vector<catalog::Track> all_tracks() = 0;
  virtual int64_t track_count() = 0;
  /// Full-text search over name, artists and album: case/accent-insensitive, prefix-friendly,
  /// exact and prefix matches first, then relevance blended with popularity.
  virtual std::vector<SearchHit> search_tracks(const std::string& query, int limit) = 0;
  /// Changes whenever tracks change (used to know when the snapshot is stale).
  virtual int64_t tracks_revision() = 0;

  // ---- playlists (schema v2): title, tags and songs in order ----
  // Defaults throw kUnavailable so a backend without playlist support still builds.
  /// Inserts or replaces playlists (by id) in one transaction; songs need not be in the catalogue.
  virtual UpsertStats upsert_playlists(std::span<const cf::Playlist> playlists);
  virtual std::vector<cf::Playlist> all_playlists();
  virtual int64_t playlist_count();
  /// Changes whenever playlists change (continuation models record it to detect staleness).
  virtual int64_t playlists_revision();
};

/// Opens a store from a URL: "postgresql://..." or "postgres://..." for PostgreSQL,
/// anything else is a SQLite file path. Runs migrations.
std::unique_ptr<Store> open_store(const std::string& url);

/// FTS query helper shared by backends: folded tokens; throws kInvalidArgument if none.
std::vector<std::string> search_tokens(const std::string& query);

}  // namespace muse::storage
