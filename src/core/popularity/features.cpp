#include "popularity/features.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "catalog/track_importer.h"
#include "util/binary_file.h"
#include "util/error.h"
#include "util/text.h"

namespace muse::popularity {

namespace {
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr const char* kKindNames[kNumKeyKinds] = {
    "artists", "primary_artist", "any_artist", "album", "album_name", "title", "title_artist"};
constexpr const char* kStatNames[kStatsPerKind] = {"mean", "count", "smoothed", "max", "min"};
// Audio columns: the 13 Spotify features, then explicit and the genre count, then genres.
constexpr int kNumAudioScalars = catalog::kNumFeatures + 2;

using TrackKeys = std::array<std::vector<std::string>, kNumKeyKinds>;

TrackKeys all_keys(const catalog::Track& t) {
  TrackKeys k;
  for (int i = 0; i < kNumKeyKinds; ++i) {
    if (i == static_cast<int>(KeyKind::kTitleArtist))
      continue;  // derived below: one fold_key per track
    k[i] = track_keys(t, static_cast<KeyKind>(i));
  }
  const auto& title = k[static_cast<int>(KeyKind::kTitle)];
  if (!title.empty())
    k[static_cast<int>(KeyKind::kTitleArtist)] = {title.front() + '\x1f' + t.primary_artist()};
  return k;
}

EncodingTables build_from_keys(const std::vector<TrackKeys>& keys, const std::vector<float>& target,
                               const std::vector<uint32_t>& rows, float smoothing) {
  EncodingTables e;
  e.smoothing = smoothing;
  e.tables.resize(kNumKeyKinds);
  double sum = 0;
  for (uint32_t r : rows) {
    float y = target[r];
    sum += y;
    for (int k = 0; k < kNumKeyKinds; ++k) {
      for (const auto& key : keys[r][k]) e.tables[k][key].add(y);
    }
  }
  e.prior = rows.empty() ? 0 : sum / rows.size();
  return e;
}

void encode_keys(const EncodingTables& e, const TrackKeys& keys, const float* own, float* out) {
  for (int k = 0; k < kNumKeyKinds; ++k) {
    float mean = kNaN, smoothed = static_cast<float>(e.prior), mx = kNaN, mn = kNaN;
    float count = 0;
    bool any = false;
    for (const auto& key : keys[k]) {
      auto it = e.tables[k].find(key);
      if (it == e.tables[k].end()) continue;
      KeyStat s = own ? it->second.without(*own) : it->second;
      if (s.count == 0) continue;
      float m = static_cast<float>(s.sum / s.count);
      float sm = static_cast<float>((s.sum + e.smoothing * e.prior) / (s.count + e.smoothing));
      if (!any) {
        mean = m, smoothed = sm, mx = s.max1, mn = s.min1, count = static_cast<float>(s.count);
        any = true;
      } else {  // several credited artists: the strongest one speaks for the track
        mean = std::max(mean, m), smoothed = std::max(smoothed, sm), mx = std::max(mx, s.max1);
        mn = std::min(mn, s.min1), count = std::max(count, static_cast<float>(s.count));
      }
    }
    float* o = out + k * kStatsPerKind;
    o[0] = mean, o[1] = count, o[2] = smoothed, o[3] = mx, o[4] = mn;
  }
}

void save_stat_table(BinaryWriter& w, const std::unordered_map<std::string, KeyStat>& t) {
  std::vector<std::string> keys;
  keys.reserve(t.size());
  for (const auto& [k, v] : t) keys.push_back(k);
  std::sort(keys.begin(), keys.end());  // deterministic bytes
  std::vector<KeyStat> stats;
  stats.reserve(keys.size());
  for (const auto& k : keys) stats.push_back(t.at(k));
  w.write_strings(keys);
  w.write_vector(stats);
}

}  // namespace

const char* feature_set_name(FeatureSet s) { return s == FeatureSet::kFull ? "full" : "audio"; }

FeatureSet parse_feature_set(const std::string& s) {
  if (s == "audio") return FeatureSet::kAudio;
  if (s == "full") return FeatureSet::kFull;
  MUSE_THROW(ErrorCode::kInvalidArgument, "unknown feature set '{}' (expected audio or full)",
             s.substr(0, 40));
}

const char* key_kind_name(KeyKind k) {
  int i = static_cast<int>(k);
  return i >= 0 && i < kNumKeyKinds ? kKindNames[i] : "?";
}

PopularityData load_popularity_csv(const std::filesystem::path& path, const ProgressFn& progress) {
  catalog::TrackImporter imp;
  imp.read_file(path, progress);
  const auto& rep = imp.report();
  if (rep.skipped > 0) {
    const auto& first = rep.issues.front();
    MUSE_THROW(ErrorCode::kInvalidArgument, "{}:{}: {}{}", first.file, first.line, first.reason,
               rep.skipped > 1 ? fmt::format(" (and {} more bad rows)", rep.skipped - 1) : "");
  }
  if (rep.accepted == 0) MUSE_THROW(ErrorCode::kInvalidArgument, "{}: no data rows", path.string());
  PopularityData d;
  d.source = path.string();
  auto refs = imp.rows();
  d.tracks = imp.take_tracks();
  d.target.assign(d.tracks.size(), 0.f);
  d.weight.assign(d.tracks.size(), 0.f);
  d.row_track.reserve(refs.size());
  d.row_target.reserve(refs.size());
  for (const auto& r : refs) {
    d.row_track.push_back(r.track);
    d.row_target.push_back(static_cast<float>(r.popularity));
    d.target[r.track] += static_cast<float>(r.popularity);
    d.weight[r.track] += 1.f;
  }
  for (size_t i = 0; i < d.tracks.size(); ++i) d.target[i] /= d.weight[i];
  return d;
}

PopularityData from_tracks(std::vector<catalog::Track> tracks, std::string source) {
  PopularityData d;
  d.source = std::move(source);
  d.tracks = std::move(tracks);
  for (size_t i = 0; i < d.tracks.size(); ++i) {
    float y = d.tracks[i].popularity >= 0 ? static_cast<float>(d.tracks[i].popularity) : kNaN;
    d.target.push_back(y);
    d.weight.push_back(1.f);
    d.row_track.push_back(static_cast<uint32_t>(i));
    d.row_target.push_back(y);
  }
  return d;
}

void KeyStat::add(float y) {
  sum += y;
  sumsq += static_cast<double>(y) * y;
  ++count;
  if (y > max1) {
    max2 = max1, max1 = y;
  } else if (y > max2) {
    max2 = y;
  }
  if (y < min1) {
    min2 = min1, min1 = y;
  } else if (y < min2) {
    min2 = y;
  }
}

KeyStat KeyStat::without(float y) const {
  KeyStat s = *this;
  if (s.count == 0) return s;
  s.sum -= y;
  s.sumsq -= static_cast<double>(y) * y;
  --s.count;
  if (s.max1 == y) s.max1 = s.max2;
  if (s.min1 == y) s.min1 = s.min2;
  s.max2 = -1e30f, s.min2 = 1e30f;  // no longer tracked
  if (s.count == 0) s = KeyStat{};
  return s;
}

std::vector<std::string> track_keys(const catalog::Track& t, KeyKind kind) {
  const std::string& primary = t.primary_artist();
  std::vector<std::string> out;
  switch (kind) {
    case KeyKind::kArtists:
      if (!t.artists.empty()) out.push_back(join(t.artists, ";"));
      break;
    case KeyKind::kPrimaryArtist:
      if (!primary.empty()) out.push_back(primary);
      break;
    case KeyKind::kEachArtist:
      for (const auto& a : t.artists) {
        if (!a.empty() && std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
      }
      break;
    case KeyKind::kAlbum:
      if (!t.album.empty()) out.push_back(t.album + '\x1f' + primary);
      break;
    case KeyKind::kAlbumName:
      if (!t.album.empty()) out.push_back(t.album);
      break;
    case KeyKind::kTitle:
    case KeyKind::kTitleArtist: {
      std::string title = fold_key(t.name);
      if (title.empty()) break;
      out.push_back(kind == KeyKind::kTitle ? title : title + '\x1f' + primary);
      break;
    }
    case KeyKind::kCount:
      break;
  }
  return out;
}

EncodingTables EncodingTables::build(const std::vector<catalog::Track>& tracks,
                                     const std::vector<float>& target,
                                     const std::vector<uint32_t>& rows, float smoothing) {
  std::vector<TrackKeys> keys(tracks.size());
  for (uint32_t r : rows) keys[r] = all_keys(tracks[r]);
  return build_from_keys(keys, target, rows, smoothing);
}

void EncodingTables::encode(const catalog::Track& t, const float* own_target, float* out) const {
  MUSE_CHECK(tables.size() == kNumKeyKinds, "encoding tables not built");
  encode_keys(*this, all_keys(t), own_target, out);
}

void EncodingTables::save(BinaryWriter& w) const {
  w.write<double>(prior);
  w.write<float>(smoothing);
  w.write<uint32_t>(static_cast<uint32_t>(tables.size()));
  for (const auto& t : tables) save_stat_table(w, t);
}

EncodingTables EncodingTables::load(BinaryReader& r) {
  EncodingTables e;
  e.prior = r.read<double>();
  e.smoothing = r.read<float>();
  auto n = r.read<uint32_t>();
  if (n != 0 && n != kNumKeyKinds)
    MUSE_THROW(ErrorCode::kDataLoss, "model has {} encoding tables, expected {}", n, kNumKeyKinds);
  e.tables.resize(n);
  for (auto& t : e.tables) {
    auto keys = r.read_strings();
    auto stats = r.read_vector<KeyStat>();
    if (keys.size() != stats.size())
      MUSE_THROW(ErrorCode::kDataLoss, "model encoding table is corrupt");
    t.reserve(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) t.emplace(std::move(keys[i]), stats[i]);
  }
  return e;
}

FeatureBuilder FeatureBuilder::fit(const PopularityData& train, FeatureSet set, float smoothing) {
  MUSE_CHECK_ARG(!train.tracks.empty(), "{}: no training tracks", train.source);
  FeatureBuilder b;
  b.set_ = set;
  for (const auto& t : train.tracks) {
    for (const auto& g : t.genres) b.genre_index_.emplace(g, 0);
  }
  for (const auto& [g, i] : b.genre_index_) b.genres_.push_back(g);
  std::sort(b.genres_.begin(), b.genres_.end());
  for (size_t i = 0; i < b.genres_.size(); ++i) b.genre_index_[b.genres_[i]] = static_cast<int>(i);

  for (int f = 0; f < catalog::kNumFeatures; ++f)
    b.names_.push_back(catalog::feature_name(static_cast<catalog::Feature>(f)));
  b.names_.push_back("explicit");
  b.names_.push_back("genre_count");
  for (const auto& g : b.genres_) b.names_.push_back("genre=" + g);
  if (set == FeatureSet::kFull) {
    for (int k = 0; k < kNumKeyKinds; ++k) {
      for (int s = 0; s < kStatsPerKind; ++s)
        b.names_.push_back(std::string(kKindNames[k]) + "_" + kStatNames[s]);
    }
    std::vector<uint32_t> all(train.tracks.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint32_t>(i);
    b.tables_ = EncodingTables::build(train.tracks, train.target, all, smoothing);
    b.train_target_.reserve(train.tracks.size());
    for (size_t i = 0; i < train.tracks.size(); ++i)
      b.train_target_.emplace(train.tracks[i].id, train.target[i]);
  }
  b.finish_layout();
  return b;
}

std::vector<std::vector<int>> FeatureBuilder::groups(std::vector<std::string>* names) const {
  std::vector<std::vector<int>> g;
  names->clear();
  std::vector<int> genre_cols;
  for (int c = 0; c < dim(); ++c) {
    if (c == catalog::kNumFeatures + 1 || names_[c].rfind("genre=", 0) == 0) {
      if (genre_cols.empty()) {
        g.emplace_back();
        names->push_back("genres");
      }
      genre_cols.push_back(c);
      continue;
    }
    g.push_back({c});
    names->push_back(names_[c]);
  }
  for (size_t i = 0; i < names->size(); ++i) {
    if ((*names)[i] == "genres") g[i] = genre_cols;
  }
  return g;
}

void FeatureBuilder::finish_layout() {
  zero_absent_.assign(names_.size(), 0);
  for (size_t c = 0; c < names_.size(); ++c) zero_absent_[c] = names_[c].rfind("genre=", 0) == 0;
}

void FeatureBuilder::audio_row(const catalog::Track& t, float* out) const {
  for (int f = 0; f < catalog::kNumFeatures; ++f) out[f] = t.features[f];
  out[catalog::kNumFeatures] = t.explicit_ < 0 ? kNaN : static_cast<float>(t.explicit_);
  out[catalog::kNumFeatures + 1] = static_cast<float>(t.genres.size());
  float* oh = out + kNumAudioScalars;
  std::fill(oh, oh + genres_.size(), 0.f);
  for (const auto& g : t.genres) {
    auto it = genre_index_.find(g);
    if (it != genre_index_.end()) oh[it->second] = 1.f;  // unseen genres count, but get no column
  }
}

FeatureMatrix FeatureBuilder::build_training(const PopularityData& train, int folds,
                                             uint64_t seed) const {
  const size_t n = train.tracks.size(), d = dim();
  FeatureMatrix x(n * d);
  for (size_t i = 0; i < n; ++i) audio_row(train.tracks[i], &x[i * d]);
  if (set_ != FeatureSet::kFull) return x;
  MUSE_CHECK_ARG(folds >= 2, "out-of-fold encoding needs at least 2 folds, got {}", folds);
  MUSE_CHECK_ARG(n >= static_cast<size_t>(folds), "{} training tracks is fewer than {} folds", n,
                 folds);
  std::vector<uint32_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = static_cast<uint32_t>(i);
  seeded_shuffle(order, seed);
  std::vector<int> fold(n);
  for (size_t i = 0; i < n; ++i) fold[order[i]] = static_cast<int>(i % folds);
  std::vector<TrackKeys> keys(n);
  for (size_t i = 0; i < n; ++i) keys[i] = all_keys(train.tracks[i]);
  const size_t enc_off = kNumAudioScalars + genres_.size();
  for (int k = 0; k < folds; ++k) {
    std::vector<uint32_t> others;
    others.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      if (fold[i] != k) others.push_back(static_cast<uint32_t>(i));
    }
    EncodingTables t = build_from_keys(keys, train.target, others, tables_.smoothing);
    for (size_t i = 0; i < n; ++i) {
      if (fold[i] == k) encode_keys(t, keys[i], nullptr, &x[i * d + enc_off]);
    }
  }
  return x;
}

FeatureMatrix FeatureBuilder::build(const std::vector<catalog::Track>& tracks) const {
  const size_t n = tracks.size(), d = dim();
  FeatureMatrix x(n * d);
  const size_t enc_off = kNumAudioScalars + genres_.size();
  for (size_t i = 0; i < n; ++i) {
    audio_row(tracks[i], &x[i * d]);
    if (set_ == FeatureSet::kFull) {
      auto it = train_target_.find(tracks[i].id);
      tables_.encode(tracks[i], it == train_target_.end() ? nullptr : &it->second,
                     &x[i * d + enc_off]);
    }
  }
  return x;
}

void FeatureBuilder::save(BinaryWriter& w) const {
  w.write<uint32_t>(static_cast<uint32_t>(set_));
  w.write_strings(names_);
  w.write_strings(genres_);
  tables_.save(w);
  std::vector<std::string> ids;
  std::vector<float> ys;
  for (const auto& [id, y] : train_target_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (const auto& id : ids) ys.push_back(train_target_.at(id));
  w.write_strings(ids);
  w.write_vector(ys);
}

FeatureBuilder FeatureBuilder::load(BinaryReader& r) {
  FeatureBuilder b;
  auto set = r.read<uint32_t>();
  if (set > 1) MUSE_THROW(ErrorCode::kDataLoss, "model has unknown feature set {}", set);
  b.set_ = static_cast<FeatureSet>(set);
  b.names_ = r.read_strings();
  b.genres_ = r.read_strings();
  for (size_t i = 0; i < b.genres_.size(); ++i) b.genre_index_[b.genres_[i]] = static_cast<int>(i);
  b.tables_ = EncodingTables::load(r);
  auto ids = r.read_strings();
  auto ys = r.read_vector<float>();
  if (ids.size() != ys.size())
    MUSE_THROW(ErrorCode::kDataLoss, "model training-id table is corrupt");
  for (size_t i = 0; i < ids.size(); ++i) b.train_target_.emplace(std::move(ids[i]), ys[i]);
  size_t want = kNumAudioScalars + b.genres_.size() +
                (b.set_ == FeatureSet::kFull ? kNumEncodingFeatures : 0);
  if (b.names_.size() != want ||
      (b.set_ == FeatureSet::kFull && b.tables_.tables.size() != kNumKeyKinds)) {
    MUSE_THROW(ErrorCode::kDataLoss, "model feature layout is inconsistent ({} names, {} expected)",
               b.names_.size(), want);
  }
  b.finish_layout();
  return b;
}

void seeded_shuffle(std::vector<uint32_t>& v, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (size_t i = v.size(); i > 1; --i) {
    size_t j = rng() % i;
    std::swap(v[i - 1], v[j]);
  }
}

}  // namespace muse::popularity
