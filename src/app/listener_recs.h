#pragma once
/// Personal recommendations for one listener, shared by `muse listener recommend` and the
/// HTTP API: the store's feedback -> TasteProfile -> recommend_for, plus "listeners who felt
/// like you liked..." from the community's mood histories and likes.
#include <string>
#include <vector>

#include "app/app.h"
#include "listeners/neighbours.h"
#include "listeners/taste_profile.h"

namespace muse::app {

struct PersonalRecommendations {
  std::shared_ptr<const ContentSnapshot> snapshot;  ///< the rows below index its catalogue
  std::vector<std::string> seeds;                   ///< seeds actually used (given or learned)
  recommend::RecommendResult result;
  /// Neighbours' likes (in the catalogue, not disliked, not already recommended), best first.
  std::vector<listeners::NeighbourVote> neighbour_likes;
  size_t banned_artists = 0;
  size_t feedback_events = 0;
};

/// `query` may have no seeds ("for you"). neighbours_n = 0 skips the neighbour section.
/// Throws kInvalidArgument when there are no seeds and no feedback yet.
PersonalRecommendations recommend_for_listener(App& app, int64_t listener_id,
                                               const recommend::ContentQuery& query,
                                               int neighbours_n);

}  // namespace muse::app
