#pragma once
/// Parses track CSVs in either known layout (detected from the header) into validated,
/// de-duplicated tracks. Bad rows are skipped and reported with file, line and reason.
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "catalog/csv_reader.h"
#include "catalog/track.h"
#include "util/progress.h"

namespace muse::catalog {

enum class TrackLayout {
  kSpotify114k,     ///< track_id,artists,album_name,track_name,popularity,...,track_genre
  kSpotifyPlaylists ///< track_id,track_name,track_artist,track_popularity,track_album_id,...
};
const char* layout_name(TrackLayout l);

/// Throws kInvalidArgument naming the missing columns if the header matches no layout.
TrackLayout detect_track_layout(const CsvHeader& header, const std::string& source);

struct RowIssue {
  std::string file;
  size_t line = 0;
  std::string reason;
};

struct ImportReport {
  size_t rows = 0;        ///< data rows read
  size_t accepted = 0;    ///< rows that parsed
  size_t skipped = 0;     ///< malformed rows
  size_t merged = 0;      ///< rows folded into an earlier row of the same track
  std::vector<RowIssue> issues;  ///< first `max_issues` problems
  size_t max_issues = 1000;
  void add_issue(const std::string& file, size_t line, std::string reason);
};

/// Accumulates tracks from several files, merging repeated ids (genres are unioned,
/// missing fields filled from later rows).
class TrackImporter {
 public:
  /// Reads one file. Throws on unreadable files or unknown headers; row errors go to report().
  void read_file(const std::filesystem::path& path, const ProgressFn& progress = {});
  void read_stream(CsvReader& reader, const ProgressFn& progress = {});

  const ImportReport& report() const { return report_; }
  /// The merged tracks, in first-seen order.
  std::vector<Track> take_tracks();
  size_t size() const { return tracks_.size(); }

  /// One entry per accepted row, in file order: which merged track it became and the
  /// popularity that row carried (rows of one track may disagree). Lets row-level metrics
  /// be computed over exactly a file's rows.
  struct RowRef {
    uint32_t track;
    int popularity;
  };
  const std::vector<RowRef>& rows() const { return rows_; }

 private:
  void add(Track&& t);
  std::vector<Track> tracks_;
  std::unordered_map<std::string, size_t> by_id_;
  std::vector<RowRef> rows_;
  ImportReport report_;
};

/// Merges `from` into `into` (same id): union of genres, empty fields filled.
void merge_track(Track& into, const Track& from);

}  // namespace muse::catalog
