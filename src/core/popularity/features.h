#pragma once
/// Feature rows for popularity prediction.
///
/// The 114k catalogue lists a track once per genre it was collected under (89,741 tracks in
/// 114,000 rows). A model row is a *track*: one row per track_id with all its genres as a
/// multi-hot, the mean popularity of its rows as target and its row count as weight, so a
/// weighted track-level squared loss equals the row-level loss that evaluation reports.
///
/// Feature sets:
///  - audio: audio features, explicit, time signature, key/mode, duration, genre multi-hot
///    and genre count: what the music (and where it was filed) says.
///  - full: audio + target statistics of the track's catalogue context (artist credit,
///    primary artist, each credited artist, album, album name, same title, same title by the
///    same artist). Training rows get out-of-fold values (K folds over tracks: a row's
///    statistics come only from other folds, so it never sees its own target); every other
///    row gets them from the whole training side, minus the track itself if it was trained on.
#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "catalog/track.h"
#include "util/progress.h"

namespace muse {
class BinaryReader;
class BinaryWriter;
}  // namespace muse

namespace muse::popularity {

enum class FeatureSet { kAudio = 0, kFull = 1 };
const char* feature_set_name(FeatureSet s);
/// "audio" or "full"; throws kInvalidArgument otherwise.
FeatureSet parse_feature_set(const std::string& s);

/// A CSV read for popularity work: tracks merged by id plus the file's rows.
struct PopularityData {
  std::string source;
  std::vector<catalog::Track> tracks;  ///< one per track_id, genres unioned
  std::vector<float> target;           ///< mean popularity over the track's rows
  std::vector<float> weight;           ///< number of rows of the track
  std::vector<uint32_t> row_track;     ///< per CSV row: index into tracks
  std::vector<float> row_target;       ///< per CSV row: its popularity
  size_t rows() const { return row_track.size(); }
};

/// Reads a track CSV (114k or playlists layout, plain or zstd) strictly: a missing column,
/// a non-numeric or non-finite value or any other bad row throws kInvalidArgument naming the
/// file, line and reason. An empty file (no data rows) is an error too.
PopularityData load_popularity_csv(const std::filesystem::path& path,
                                   const ProgressFn& progress = {});
/// Same, from tracks already parsed (e.g. the catalogue); each track is one row.
PopularityData from_tracks(std::vector<catalog::Track> tracks, std::string source);

/// Running target statistics of one key (artist, album, ...). Keeps the two largest and
/// two smallest values so the statistics without one given value can be recovered.
struct KeyStat {
  double sum = 0, sumsq = 0;
  uint32_t count = 0;
  uint32_t unused_ = 0;  // explicit padding: saved files are byte-deterministic
  float max1 = -1e30f, max2 = -1e30f, min1 = 1e30f, min2 = 1e30f;
  void add(float y);
  /// The statistics with one occurrence of `y` removed (y must have been added).
  KeyStat without(float y) const;
};

/// Key kinds of the full set, in feature order.
enum class KeyKind {
  kArtists,
  kPrimaryArtist,
  kEachArtist,
  kAlbum,
  kAlbumName,
  kTitle,
  kTitleArtist,
  kCount
};
inline constexpr int kNumKeyKinds = static_cast<int>(KeyKind::kCount);
const char* key_kind_name(KeyKind k);
/// The keys a track has for a kind (several for kEachArtist, none if the field is empty).
std::vector<std::string> track_keys(const catalog::Track& t, KeyKind kind);

/// Target statistics per key, per kind, over a set of training tracks.
struct EncodingTables {
  std::vector<std::unordered_map<std::string, KeyStat>> tables;  ///< [kind][key]
  double prior = 0;      ///< mean target of the tracks the tables were built from
  float smoothing = 10;  ///< pseudo-count of the smoothed mean

  static EncodingTables build(const std::vector<catalog::Track>& tracks,
                              const std::vector<float>& target, const std::vector<uint32_t>& rows,
                              float smoothing);
  /// Writes the encoding features of `t` (kNumEncodingFeatures floats). If `own_target` is
  /// given, the track is assumed to be inside the tables and is left out of its own statistics.
  void encode(const catalog::Track& t, const float* own_target, float* out) const;

  void save(BinaryWriter& w) const;
  static EncodingTables load(BinaryReader& r);
};
/// mean, count, smoothed mean, max, min per kind.
inline constexpr int kStatsPerKind = 5;
inline constexpr int kNumEncodingFeatures = kNumKeyKinds * kStatsPerKind;

using FeatureMatrix = std::vector<float>;  ///< row-major, rows x FeatureBuilder::dim()

/// Turns tracks into feature rows. Fitted on the training side only.
class FeatureBuilder {
 public:
  FeatureBuilder() = default;
  /// Learns the genre vocabulary (and, for the full set, the encoding tables) from `train`.
  static FeatureBuilder fit(const PopularityData& train, FeatureSet set, float smoothing = 10);

  FeatureSet set() const { return set_; }
  int dim() const { return static_cast<int>(names_.size()); }
  const std::vector<std::string>& names() const { return names_; }
  const std::vector<std::string>& genres() const { return genres_; }
  /// Feature groups for permutation importance: each column is its own group except the
  /// genre multi-hot and genre count, which move together as "genres".
  std::vector<std::vector<int>> groups(std::vector<std::string>* names) const;
  /// 1 for columns where 0 means "absent" (the genre multi-hot), so they can be stored sparse.
  const std::vector<uint8_t>& zero_absent_columns() const { return zero_absent_; }

  /// Rows for the training tracks with out-of-fold encodings (`folds` folds assigned by
  /// `seed`); `train` must be the data fit() saw.
  FeatureMatrix build_training(const PopularityData& train, int folds, uint64_t seed) const;
  /// Rows for any tracks, encodings from the whole training side. Tracks that were in the
  /// training side are left out of their own statistics.
  FeatureMatrix build(const std::vector<catalog::Track>& tracks) const;

  void save(BinaryWriter& w) const;
  static FeatureBuilder load(BinaryReader& r);

 private:
  void audio_row(const catalog::Track& t, float* out) const;
  FeatureSet set_ = FeatureSet::kAudio;
  void finish_layout();
  std::vector<std::string> names_;
  std::vector<uint8_t> zero_absent_;
  std::vector<std::string> genres_;
  std::unordered_map<std::string, int> genre_index_;
  EncodingTables tables_;
  std::unordered_map<std::string, float> train_target_;  ///< full set: training id -> target
};

/// Deterministic shuffle (Fisher-Yates over mt19937_64) so splits and folds do not depend on
/// the standard library's std::shuffle.
void seeded_shuffle(std::vector<uint32_t>& v, uint64_t seed);

}  // namespace muse::popularity
