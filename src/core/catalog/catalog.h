#pragma once
/// An immutable snapshot of the track catalogue: rows sorted by track id, O(1) id lookup,
/// and a fingerprint that model/index files record so stale ones are detected and rebuilt.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "catalog/track.h"

namespace muse::catalog {

class Catalog {
 public:
  static constexpr const char* kMagic = "MUSECAT1";
  static constexpr uint32_t kVersion = 1;

  /// Takes ownership of the tracks (ids must be unique), sorts them by id.
  static std::shared_ptr<const Catalog> build(std::vector<Track> tracks);
  static std::shared_ptr<const Catalog> load(const std::filesystem::path& path);
  void save(const std::filesystem::path& path) const;

  size_t size() const { return tracks_.size(); }
  bool empty() const { return tracks_.empty(); }
  const Track& track(size_t row) const { return tracks_[row]; }
  const std::vector<Track>& tracks() const { return tracks_; }
  /// Row of a track id, or nullopt.
  std::optional<size_t> find(std::string_view id) const;
  /// Row of a track id; throws kNotFound naming the id.
  size_t require(std::string_view id) const;
  uint64_t fingerprint() const { return fingerprint_; }
  /// All genre labels, sorted.
  const std::vector<std::string>& genres() const { return genres_; }
  /// Rows whose primary or featured artists include `artist` (exact name).
  const std::vector<uint32_t>& rows_by_artist(std::string_view artist) const;

 private:
  Catalog() = default;
  void index();
  std::vector<Track> tracks_;
  std::unordered_map<std::string_view, uint32_t> by_id_;
  std::unordered_map<std::string_view, std::vector<uint32_t>> by_artist_;
  std::vector<std::string> genres_;
  uint64_t fingerprint_ = 0;
};

using CatalogPtr = std::shared_ptr<const Catalog>;

}  // namespace muse::catalog
