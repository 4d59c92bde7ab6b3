#pragma once
/// Playlists (title, tags, songs) and their two file layouts: the Spotify genre-playlists CSV
/// (playlist_id, playlist_name, playlist_genre, playlist_subgenre, track_id; genre and subgenre
/// become tags) and Melon-style JSON ({"id", "plylst_title", "tags", "songs"} per playlist, as a
/// JSON array or one object per line). Continuation queries are JSON lines too.
#include <filesystem>
#include <string>
#include <vector>

#include "catalog/track_importer.h"

namespace muse::cf {

struct Playlist {
  std::string id;
  std::string title;
  std::vector<std::string> tags;    ///< unique, in source order
  std::vector<std::string> tracks;  ///< unique, in source order
};

struct PlaylistReport {
  size_t records = 0;                     ///< CSV rows or JSON objects read
  size_t skipped = 0;                     ///< malformed records
  size_t duplicate_tracks = 0;            ///< repeated songs dropped within a playlist
  size_t empty = 0;                       ///< playlists without songs (dropped)
  std::vector<catalog::RowIssue> issues;  ///< first 1000
  void add(const std::string& file, size_t line, std::string reason);
};

/// Reads either layout (detected from the first byte: '[' or '{' = JSON, else CSV; zstd ok).
/// Throws kInvalidArgument for an unknown CSV header or an unparsable JSON array; malformed
/// lines/rows are skipped and reported with their line number.
std::vector<Playlist> read_playlists(const std::filesystem::path& path, PlaylistReport* report);
/// Same, from memory (tests, uploads).
std::vector<Playlist> parse_playlists(const std::string& data, const std::string& name,
                                      PlaylistReport* report);
/// Writes Melon-style JSON lines (readable by read_playlists).
void write_playlists_jsonl(const std::filesystem::path& path,
                           const std::vector<Playlist>& playlists);

/// One evaluation query: Muse sees `name` and `seeds`; `hidden` and `tags` are the answers.
struct ContinuationCase {
  std::string id, name;
  std::vector<std::string> seeds, hidden, tags;
  size_t line = 0;
};
std::vector<ContinuationCase> read_cases(const std::filesystem::path& path, PlaylistReport* report);
void write_cases_jsonl(const std::filesystem::path& path,
                       const std::vector<ContinuationCase>& cases);

}  // namespace muse::cf
