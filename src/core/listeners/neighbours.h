#pragma once
/// "Listeners who felt like you liked...": neighbours by mood history and shared likes,
/// then their liked tracks voted by similarity. Pure functions over plain data so the store
/// (which gathers the data) and the server (which shows it) stay out of the maths.
#include <cstdint>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "listeners/feedback.h"

namespace muse::listeners {

struct ListenerSignals {
  int64_t listener_id = 0;
  std::vector<MoodEntry> moods;
  std::vector<std::string> liked_track_ids;
};

struct NeighbourConfig {
  int max_neighbours = 20;
  double mood_weight = 0.7;  ///< similarity = mood_weight * mood + (1 - mood_weight) * likes
  double min_similarity = 0.5;
};

/// Averaged mood: valence, arousal and emotion distribution (probabilities renormalised).
struct MoodProfile {
  double valence = 0, arousal = 0;
  std::vector<std::pair<std::string, double>> emotions;  ///< sorted by label
  bool empty = true;
};

MoodProfile mood_profile(std::span<const MoodEntry> moods);
/// 0..1: half closeness in the valence/arousal square, half the Bhattacharyya coefficient of
/// the emotion distributions (just the former if either has no labels).
double mood_similarity(const MoodProfile& a, const MoodProfile& b);

struct NeighbourVote {
  std::string track_id;
  double score = 0;   ///< sum of the similarities of the neighbours who liked it
  int listeners = 0;  ///< how many neighbours liked it
};

struct Neighbour {
  int64_t listener_id = 0;
  double similarity = 0;
};

/// The most similar listeners (>= min_similarity), best first.
std::vector<Neighbour> nearest_listeners(const ListenerSignals& me,
                                         std::span<const ListenerSignals> others,
                                         const NeighbourConfig& config = {});

/// Tracks liked by `me`'s neighbours that `me` has not liked and that are not in `exclude`,
/// best first, at most n.
std::vector<NeighbourVote> neighbour_likes(const ListenerSignals& me,
                                           std::span<const ListenerSignals> others,
                                           const std::unordered_set<std::string>& exclude, int n,
                                           const NeighbourConfig& config = {});

}  // namespace muse::listeners
