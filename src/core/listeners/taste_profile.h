#pragma once
/// A listener's taste, learned from their feedback, as inputs to "more like these":
///  - tracks they disliked (or rated 1-2) and artists they disliked never come back;
///  - their top-rated and liked tracks are "more like these" seeds;
///  - a taste vector (Rocchio: liked centroid pushed away from the disliked centroid) that
///    pulls any query toward what they like.
/// personalise() turns a ContentQuery into a personal one plus a post-filter, and
/// recommend_for() runs it, fetching more until the filter leaves enough results.
#include <functional>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/feature_space.h"
#include "listeners/feedback.h"
#include "recommend/content_recommender.h"

namespace muse::listeners {

struct TasteConfig {
  int max_seeds = 10;         ///< "more like these" seeds taken from the best-liked tracks
  float shift = 0.5f;         ///< how far a seeded query moves toward the taste vector (0..1)
  float away = 0.3f;          ///< how far the taste vector moves away from dislikes
  float skip_weight = 0.25f;  ///< a skip is a weak dislike (per skip, capped at 1 per track)
  int artist_ban_after = 2;   ///< disliked/low-rated tracks by one artist that ban the artist
  bool exclude_known = true;  ///< leave out tracks the listener already judged
};

/// What the listener last said about one track (later events override earlier ones).
struct TrackOpinion {
  std::string track_id;
  float weight = 0;  ///< > 0 liked (like 1, rating 4 -> 1, 5 -> 2), < 0 disliked (dislike -1, 2 ->
                     ///< -1, 1 -> -2)
  int skips = 0;
  int64_t last_id = 0;  ///< id of the event that set `weight` (recency tie-break)
};

struct PersonalQuery {
  recommend::ContentQuery query;
  /// True if a catalogue row may be shown to this listener (disliked artists filtered).
  std::function<bool(uint32_t row)> keep;
};

/// Refers to the catalogue it was built from (keep both alive together); personalise()'s
/// `keep` refers to the profile.
class TasteProfile {
 public:
  TasteProfile() = default;
  /// `feedback` in any order (sorted by id inside). Tracks missing from the catalogue still
  /// count for artist bans through artist feedback, but carry no vector.
  static TasteProfile build(std::span<const Feedback> feedback, const catalog::Catalog& catalog,
                            const catalog::FeatureSpace& space, const TasteConfig& config = {});

  /// True if there is no usable signal (no judged track in the catalogue, no artist ban).
  bool empty() const {
    return seeds_.empty() && taste_.empty() && banned_artists_.empty() && excluded_.empty();
  }
  /// Best-liked tracks first (weight, then most recent).
  const std::vector<std::string>& seeds() const { return seeds_; }
  /// Scaled-space taste vector; empty when no judged track has features.
  const std::vector<float>& taste() const { return taste_; }
  /// Folded names (fold_key) of artists never to recommend.
  const std::unordered_set<std::string>& banned_artists() const { return banned_artists_; }
  /// Catalogue rows never to recommend (disliked; with exclude_known, every judged track).
  const std::unordered_set<uint32_t>& excluded_rows() const { return excluded_; }
  const std::vector<TrackOpinion>& opinions() const { return opinions_; }

  /// The listener's version of `q`. A query without seeds or target becomes "for you": the
  /// profile's seeds (or, with only dislikes, the taste vector alone). A query with seeds
  /// keeps them and is pulled toward the taste vector by `shift`; a query with a target (a
  /// mood) has that target blended with the taste vector. Disliked tracks are excluded.
  /// Throws kInvalidArgument if the query has no seeds and the profile is empty.
  PersonalQuery personalise(const recommend::ContentQuery& q) const;
  bool allowed(uint32_t row) const;

 private:
  const catalog::Catalog* catalog_ = nullptr;
  TasteConfig config_;
  std::vector<TrackOpinion> opinions_;
  std::vector<std::string> seeds_;
  std::vector<float> taste_;
  std::unordered_set<std::string> banned_artists_;
  std::unordered_set<uint32_t> excluded_;
};

/// Runs a personalised query: over-fetches until `keep` leaves q.n results (or the
/// catalogue is exhausted) and returns at most q.n.
recommend::RecommendResult recommend_for(const recommend::ContentRecommender& rec,
                                         const TasteProfile& profile,
                                         const recommend::ContentQuery& q);

}  // namespace muse::listeners
