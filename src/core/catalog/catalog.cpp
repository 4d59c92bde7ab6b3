#include "catalog/catalog.h"

#include <algorithm>
#include <set>

#include "util/binary_file.h"
#include "util/error.h"

namespace muse::catalog {

std::shared_ptr<const Catalog> Catalog::build(std::vector<Track> tracks) {
  std::shared_ptr<Catalog> c(new Catalog());
  c->tracks_ = std::move(tracks);
  std::sort(c->tracks_.begin(), c->tracks_.end(),
            [](const Track& a, const Track& b) { return a.id < b.id; });
  c->index();
  MUSE_CHECK(c->by_id_.size() == c->tracks_.size(), "duplicate track ids in catalogue");
  return c;
}

void Catalog::index() {
  by_id_.clear();
  by_artist_.clear();
  by_id_.reserve(tracks_.size());
  std::set<std::string> genres;
  uint64_t fp = fnv1a("muse-catalog", 12);
  for (uint32_t i = 0; i < tracks_.size(); ++i) {
    const Track& t = tracks_[i];
    by_id_.emplace(t.id, i);
    for (const auto& a : t.artists) by_artist_[a].push_back(i);
    genres.insert(t.genres.begin(), t.genres.end());
    fp = fnv1a(t.id.data(), t.id.size(), fp);
    fp = fnv1a(t.features.data(), sizeof(float) * t.features.size(), fp);
  }
  genres_.assign(genres.begin(), genres.end());
  fingerprint_ = fp;
}

std::optional<size_t> Catalog::find(std::string_view id) const {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

size_t Catalog::require(std::string_view id) const {
  auto r = find(id);
  if (!r) MUSE_THROW(ErrorCode::kNotFound, "unknown track id '{}'", std::string(id.substr(0, 64)));
  return *r;
}

const std::vector<uint32_t>& Catalog::rows_by_artist(std::string_view artist) const {
  static const std::vector<uint32_t> kNone;
  auto it = by_artist_.find(artist);
  return it == by_artist_.end() ? kNone : it->second;
}

void Catalog::save(const std::filesystem::path& path) const {
  BinaryWriter w(path, kMagic, kVersion, fingerprint_);
  w.write<uint64_t>(tracks_.size());
  for (const Track& t : tracks_) {
    w.write_string(t.id);
    w.write_string(t.name);
    w.write_strings(t.artists);
    w.write_string(t.album);
    w.write_string(t.album_id);
    w.write_string(t.release_date);
    w.write_strings(t.genres);
    w.write<int32_t>(t.popularity);
    w.write<int32_t>(t.explicit_);
    w.write(t.features);
  }
  w.commit();
}

std::shared_ptr<const Catalog> Catalog::load(const std::filesystem::path& path) {
  BinaryReader r(path, kMagic, kVersion);
  auto n = r.read<uint64_t>();
  if (n > (1ull << 31)) MUSE_THROW(ErrorCode::kDataLoss, "{} is corrupt (track count {})", path.string(), n);
  std::shared_ptr<Catalog> c(new Catalog());
  c->tracks_.resize(n);
  for (Track& t : c->tracks_) {
    t.id = r.read_string();
    t.name = r.read_string();
    t.artists = r.read_strings();
    t.album = r.read_string();
    t.album_id = r.read_string();
    t.release_date = r.read_string();
    t.genres = r.read_strings();
    t.popularity = r.read<int32_t>();
    t.explicit_ = r.read<int32_t>();
    t.features = r.read<decltype(t.features)>();
  }
  r.expect_end();
  c->index();
  if (c->fingerprint_ != r.fingerprint()) {
    MUSE_THROW(ErrorCode::kDataLoss, "{} is corrupt (fingerprint mismatch)", path.string());
  }
  return c;
}

}  // namespace muse::catalog
