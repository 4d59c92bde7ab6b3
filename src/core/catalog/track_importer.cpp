#include "catalog/track_importer.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "util/error.h"
#include "util/text.h"

namespace muse::catalog {

const char* layout_name(TrackLayout l) {
  return l == TrackLayout::kSpotify114k ? "spotify_tracks_114k" : "spotify_playlists tracks";
}

namespace {

const std::vector<std::string> k114kColumns = {
    "track_id", "artists", "album_name", "track_name", "popularity", "duration_ms", "explicit",
    "danceability", "energy", "key", "loudness", "mode", "speechiness", "acousticness",
    "instrumentalness", "liveness", "valence", "tempo", "time_signature", "track_genre"};
const std::vector<std::string> kPlaylistColumns = {
    "track_id", "track_name", "track_artist", "track_popularity", "track_album_id",
    "track_album_name", "track_album_release_date", "danceability", "energy", "key", "loudness",
    "mode", "speechiness", "acousticness", "instrumentalness", "liveness", "valence", "tempo",
    "duration_ms"};

std::vector<std::string> missing_columns(const CsvHeader& h, const std::vector<std::string>& want) {
  std::vector<std::string> out;
  for (const auto& c : want) {
    if (!h.has(c)) out.push_back(c);
  }
  return out;
}

struct Range {
  Feature f;
  double lo, hi;
};
// Plausible ranges; values outside are data errors, not music.
constexpr Range kRanges[] = {
    {Feature::kDanceability, 0, 1},   {Feature::kEnergy, 0, 1},      {Feature::kKey, -1, 11},
    {Feature::kLoudness, -80, 10},    {Feature::kMode, 0, 1},        {Feature::kSpeechiness, 0, 1},
    {Feature::kAcousticness, 0, 1},   {Feature::kInstrumentalness, 0, 1},
    {Feature::kLiveness, 0, 1},       {Feature::kValence, 0, 1},     {Feature::kTempo, 0, 320},
    {Feature::kTimeSignature, 0, 11}, {Feature::kDurationMs, 1, 1e8}};

std::optional<double> parse_number(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

bool valid_track_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
  });
}

/// Parses one record into a Track; returns an error reason or "".
std::string parse_row(TrackLayout layout, const CsvHeader& h, const CsvRecord& rec, Track& t) {
  if (!rec.error.empty()) return rec.error;
  if (rec.fields.size() != h.size()) {
    return fmt::format("expected {} fields, found {}", h.size(), rec.fields.size());
  }
  for (size_t i = 0; i < rec.fields.size(); ++i) {
    if (!is_valid_utf8(rec.fields[i])) return fmt::format("column {} is not valid UTF-8", h.names()[i]);
  }
  auto col = [&](const char* name) -> const std::string& { return rec.fields[h.find(name)]; };
  const bool k114 = layout == TrackLayout::kSpotify114k;
  t.id = std::string(trim(col("track_id")));
  if (!valid_track_id(t.id)) return fmt::format("bad track_id '{}'", t.id.substr(0, 40));
  t.name = std::string(trim(col("track_name")));
  if (t.name.empty()) return "empty track_name";
  const std::string& artists = col(k114 ? "artists" : "track_artist");
  if (k114) {
    t.artists = split(artists, ';');
  } else if (!trim(artists).empty()) {
    t.artists = {std::string(trim(artists))};  // one credited artist; its name may hold commas
  }
  if (t.artists.empty()) return "empty artists";
  t.album = std::string(trim(col(k114 ? "album_name" : "track_album_name")));
  if (!k114) {
    t.album_id = std::string(trim(col("track_album_id")));
    t.release_date = std::string(trim(col("track_album_release_date")));
  }
  auto pop = parse_number(col(k114 ? "popularity" : "track_popularity"));
  if (!pop || *pop < 0 || *pop > 100) return fmt::format("popularity '{}' is not a number in 0..100", col(k114 ? "popularity" : "track_popularity"));
  t.popularity = static_cast<int>(*pop);
  if (k114) {
    std::string_view ex = trim(col("explicit"));
    if (ex == "True" || ex == "true" || ex == "1" || ex == "TRUE") {
      t.explicit_ = 1;
    } else if (ex == "False" || ex == "false" || ex == "0" || ex == "FALSE") {
      t.explicit_ = 0;
    } else {
      return fmt::format("explicit '{}' is not True/False", ex);
    }
    std::string g(trim(col("track_genre")));
    if (!g.empty()) t.genres = {g};
  }
  for (const auto& r : kRanges) {
    int idx = h.find(feature_name(r.f));
    if (idx < 0) continue;  // e.g. time_signature in the playlists layout
    auto v = parse_number(rec.fields[idx]);
    if (!v) return fmt::format("{} '{}' is not a number", feature_name(r.f), rec.fields[idx].substr(0, 40));
    if (*v < r.lo || *v > r.hi) return fmt::format("{} {} is outside {}..{}", feature_name(r.f), *v, r.lo, r.hi);
    t.feature(r.f) = static_cast<float>(*v);
  }
  return "";
}

void union_into(std::vector<std::string>& into, const std::vector<std::string>& from) {
  for (const auto& g : from) {
    if (std::find(into.begin(), into.end(), g) == into.end()) into.push_back(g);
  }
  std::sort(into.begin(), into.end());
}

}  // namespace

TrackLayout detect_track_layout(const CsvHeader& header, const std::string& source) {
  auto miss114 = missing_columns(header, k114kColumns);
  if (miss114.empty()) return TrackLayout::kSpotify114k;
  auto missPl = missing_columns(header, kPlaylistColumns);
  if (missPl.empty()) return TrackLayout::kSpotifyPlaylists;
  const bool closer114 = miss114.size() <= missPl.size();
  MUSE_THROW(ErrorCode::kInvalidArgument,
             "{}: unrecognised header; closest layout is {} but it lacks column(s): {}", source,
             closer114 ? "spotify_tracks_114k" : "spotify_playlists tracks",
             join(closer114 ? miss114 : missPl, ", "));
}

void ImportReport::add_issue(const std::string& file, size_t line, std::string reason) {
  ++skipped;
  if (issues.size() < max_issues) issues.push_back({file, line, std::move(reason)});
}

void merge_track(Track& into, const Track& from) {
  union_into(into.genres, from.genres);
  if (into.album_id.empty()) into.album_id = from.album_id;
  if (into.release_date.empty()) into.release_date = from.release_date;
  if (into.album.empty()) into.album = from.album;
  if (into.explicit_ < 0) into.explicit_ = from.explicit_;
  if (into.popularity < 0) into.popularity = from.popularity;
  for (int i = 0; i < kNumFeatures; ++i) {
    if (std::isnan(into.features[i])) into.features[i] = from.features[i];
  }
}

void TrackImporter::add(Track&& t) {
  std::sort(t.genres.begin(), t.genres.end());
  auto [it, inserted] = by_id_.emplace(t.id, tracks_.size());
  rows_.push_back({static_cast<uint32_t>(it->second), t.popularity});
  if (inserted) {
    tracks_.push_back(std::move(t));
  } else {
    merge_track(tracks_[it->second], t);
    ++report_.merged;
  }
}

void TrackImporter::read_file(const std::filesystem::path& path, const ProgressFn& progress) {
  CsvReader reader = CsvReader::open(path);
  read_stream(reader, progress);
}

void TrackImporter::read_stream(CsvReader& reader, const ProgressFn& progress) {
  CsvRecord rec;
  if (!reader.next(rec)) MUSE_THROW(ErrorCode::kInvalidArgument, "{}: file is empty (no header)", reader.name());
  for (auto& f : rec.fields) {
    if (!is_valid_utf8(f)) MUSE_THROW(ErrorCode::kInvalidArgument, "{}: header is not valid UTF-8", reader.name());
  }
  CsvHeader header(rec.fields);
  TrackLayout layout = detect_track_layout(header, reader.name());
  const uint64_t total = reader.stream().total();
  size_t n = 0;
  while (reader.next(rec)) {
    ++report_.rows;
    Track t;
    std::string err = parse_row(layout, header, rec, t);
    if (!err.empty()) {
      report_.add_issue(reader.name(), rec.line, std::move(err));
    } else {
      ++report_.accepted;
      add(std::move(t));
    }
    if ((++n & 4095) == 0) muse::report(progress, "read", reader.stream().consumed(), total);
  }
  muse::report(progress, "read", total, total);
}

std::vector<Track> TrackImporter::take_tracks() {
  by_id_.clear();
  return std::move(tracks_);
}

}  // namespace muse::catalog
