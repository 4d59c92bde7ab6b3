#pragma once
/// Playlist continuation: given a title and some songs, propose more songs and tags.
/// Two stages, as in the RecSys 2018 / Melon winners: candidates from several generators
/// (seed artists and their neighbours, item-kNN, ALS, playlist neighbours, title neighbours,
/// audio similarity, popularity), then a gradient-boosted ranker over per-candidate features.
/// The ranker is trained by K-fold on the training playlists only: each fold's playlists become
/// queries (half the songs as seeds, the rest as answers) for models fitted on the other folds.
/// Tags come from a second ranker over title, seed, artist, audio and chosen-song evidence; when
/// playlists carry a few recurring tag combinations (genre + subgenre), a third ranker scores
/// each combination as a class, so a genre and its subgenre are predicted together.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "cf/als.h"
#include "cf/gbdt.h"
#include "cf/item_knn.h"
#include "cf/playlist.h"
#include "util/progress.h"

namespace muse::cf {

struct ItemSpace;

struct ContinuationConfig {
  int folds = 4;
  int repeats = 2;  ///< random seed/answer splits per training playlist
  uint64_t seed = 17;
  AlsConfig als{32, 0.1f, 20.f, 10, 3, 42};
  ItemKnnConfig knn{200, 1.2f, 0.75f, true};
  GbdtParams song_ranker{"rank:pairwise", 150, 6, 0.1f, 0.8f, 0.8f, 1.f, 2, 7};
  GbdtParams tag_ranker{"binary:logistic", 150, 5, 0.1f, 0.9f, 0.9f, 1.f, 2, 7};
  /// Predict a playlist's whole tag set as one class when training playlists carry a few
  /// recurring combinations (genre + subgenre), then rank tags by marginal probability.
  bool tag_sets = true;
  GbdtParams set_ranker{"binary:logistic", 150, 4, 0.1f, 0.9f, 0.9f, 1.f, 2, 7};
  /// Weight of the per-tag ranker in the class scores (0 = class ranker alone); chosen on the
  /// validation split.
  float set_mix = 0.5f;
  int max_tags = 1000;  ///< tag vocabulary cap (most frequent)
};

struct ContinuationRequest {
  std::string title;
  std::vector<std::string> track_ids;  ///< unknown ids are skipped and counted
  std::vector<std::string> tags;       ///< optional known tags of the playlist
  int n_songs = 100;
  int n_tags = 10;
};

struct ContinuationResult {
  struct Song {
    std::string id;
    float score = 0;
  };
  struct Tag {
    std::string tag;
    float score = 0;
  };
  std::vector<Song> songs;
  std::vector<Tag> tags;
  size_t unknown_tracks = 0;
  size_t known_tracks = 0;
  std::string strategy;  ///< "ranker", "genres", "title", "tags", "popularity", or a baseline method
  /// Catalogue genres the title or tags named, when there were no known seed songs ("genres").
  std::vector<std::string> genres;
};

class ContinuationModel {
 public:
  static constexpr const char* kMagic = "MUSECNT1";
  /// 2: title naive-Bayes tag features; 3: tag-set class ranker. Other versions are rejected.
  static constexpr uint32_t kVersion = 3;

  /// Song methods: ranker (default), blend, artist, item_knn, als, playlist_knn, content,
  /// popularity.
  static const std::vector<std::string>& methods();

  ContinuationModel();
  ~ContinuationModel();
  /// Fits the candidate generators on `training` and the rankers by K-fold over it.
  static std::shared_ptr<ContinuationModel> fit(catalog::CatalogPtr catalog,
                                                std::vector<Playlist> training,
                                                ContinuationConfig config = {},
                                                const ProgressFn& progress = {});
  std::vector<ContinuationResult> recommend(std::span<const ContinuationRequest> requests,
                                            const std::string& method = "ranker") const;

  /// Saves config, training playlists and the rankers; the generators are refitted on load
  /// (deterministic). Throws kDataLoss on load for another version or a different catalogue.
  void save(const std::filesystem::path& path) const;
  static std::shared_ptr<ContinuationModel> load(const std::filesystem::path& path,
                                                 catalog::CatalogPtr catalog,
                                                 const ProgressFn& progress = {});

  size_t n_playlists() const;
  const catalog::Catalog& catalog() const { return *catalog_; }
  struct Base;

 private:
  catalog::CatalogPtr catalog_;
  ContinuationConfig config_;
  std::vector<Playlist> training_;
  std::unique_ptr<ItemSpace> space_;
  std::unique_ptr<Base> base_;
  Gbdt song_ranker_, tag_ranker_, set_ranker_;
};

}  // namespace muse::cf
