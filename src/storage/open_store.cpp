#include "storage/pg_store.h"
#include "storage/sqlite_store.h"
#include "storage/store.h"
#include "util/error.h"

namespace muse::storage {

UpsertStats Store::upsert_playlists(std::span<const cf::Playlist>) {
  MUSE_THROW(ErrorCode::kUnavailable, "the {} store does not support playlists yet", backend());
}
std::vector<cf::Playlist> Store::all_playlists() {
  MUSE_THROW(ErrorCode::kUnavailable, "the {} store does not support playlists yet", backend());
}
int64_t Store::playlist_count() { return 0; }
int64_t Store::playlists_revision() { return 0; }

std::unique_ptr<Store> open_store(const std::string& url) {
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    return std::make_unique<PgStore>(url);
  }
  std::string path = url.rfind("sqlite://", 0) == 0 ? url.substr(9) : url;
  MUSE_CHECK_ARG(!path.empty(), "empty store path");
  return std::make_unique<SqliteStore>(path);
}

}  // namespace muse::storage
