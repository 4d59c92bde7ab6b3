#include "listeners/neighbours.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "util/error.h"

namespace muse::listeners {

MoodProfile mood_profile(std::span<const MoodEntry> moods) {
  MoodProfile p;
  if (moods.empty()) return p;
  std::map<std::string, double> sum;
  for (const auto& m : moods) {
    p.valence += m.valence;
    p.arousal += m.arousal;
    for (const auto& [label, prob] : m.emotions) sum[label] += prob;
  }
  p.valence /= static_cast<double>(moods.size());
  p.arousal /= static_cast<double>(moods.size());
  double total = 0;
  for (const auto& [label, s] : sum) total += s;
  for (const auto& [label, s] : sum) {
    if (total > 0) p.emotions.emplace_back(label, s / total);
  }
  p.empty = false;
  return p;
}

double mood_similarity(const MoodProfile& a, const MoodProfile& b) {
  if (a.empty || b.empty) return 0;
  const double dist = std::hypot(a.valence - b.valence, a.arousal - b.arousal);
  const double va =
      std::max(0.0, 1.0 - dist / (2.0 * std::sqrt(2.0)));  // the square's diagonal is 2*sqrt(2)
  if (a.emotions.empty() || b.emotions.empty()) return va;
  double bc = 0;
  size_t i = 0, j = 0;
  while (i < a.emotions.size() && j < b.emotions.size()) {
    int c = a.emotions[i].first.compare(b.emotions[j].first);
    if (c == 0) {
      bc += std::sqrt(a.emotions[i].second * b.emotions[j].second);
      ++i;
      ++j;
    } else if (c < 0) {
      ++i;
    } else {
      ++j;
    }
  }
  return 0.5 * va + 0.5 * std::min(1.0, bc);
}

namespace {
double jaccard(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() || b.empty()) return 0;
  std::unordered_set<std::string> sa(a.begin(), a.end()), sb(b.begin(), b.end());
  size_t inter = 0;
  for (const auto& x : sa) inter += sb.count(x);
  return static_cast<double>(inter) / static_cast<double>(sa.size() + sb.size() - inter);
}
}  // namespace

std::vector<Neighbour> nearest_listeners(const ListenerSignals& me,
                                         std::span<const ListenerSignals> others,
                                         const NeighbourConfig& config) {
  MUSE_CHECK_ARG(config.mood_weight >= 0 && config.mood_weight <= 1, "mood_weight must be 0..1");
  MoodProfile mine = mood_profile(me.moods);
  std::vector<Neighbour> out;
  for (const auto& o : others) {
    if (o.listener_id == me.listener_id) continue;
    double mood = mood_similarity(mine, mood_profile(o.moods));
    double likes = jaccard(me.liked_track_ids, o.liked_track_ids);
    // Without likes of our own the shared-likes half is unknowable: judge by mood alone.
    double sim = me.liked_track_ids.empty()
                     ? mood
                     : config.mood_weight * mood + (1 - config.mood_weight) * likes;
    if (sim >= config.min_similarity) out.push_back({o.listener_id, sim});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.similarity != b.similarity ? a.similarity > b.similarity
                                        : a.listener_id < b.listener_id;
  });
  if (static_cast<int>(out.size()) > config.max_neighbours) out.resize(config.max_neighbours);
  return out;
}

std::vector<NeighbourVote> neighbour_likes(const ListenerSignals& me,
                                           std::span<const ListenerSignals> others,
                                           const std::unordered_set<std::string>& exclude, int n,
                                           const NeighbourConfig& config) {
  MUSE_CHECK_ARG(n >= 1 && n <= 1000, "n must be 1..1000, got {}", n);
  std::unordered_map<int64_t, const ListenerSignals*> by_id;
  for (const auto& o : others) by_id[o.listener_id] = &o;
  std::unordered_set<std::string> mine(me.liked_track_ids.begin(), me.liked_track_ids.end());
  std::unordered_map<std::string, NeighbourVote> votes;
  for (const auto& nb : nearest_listeners(me, others, config)) {
    std::unordered_set<std::string> seen;  // one vote per neighbour per track
    for (const auto& t : by_id[nb.listener_id]->liked_track_ids) {
      if (mine.count(t) || exclude.count(t) || !seen.insert(t).second) continue;
      auto& v = votes[t];
      v.track_id = t;
      v.score += nb.similarity;
      ++v.listeners;
    }
  }
  std::vector<NeighbourVote> out;
  for (auto& [id, v] : votes) out.push_back(std::move(v));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.listeners != b.listeners) return a.listeners > b.listeners;
    return a.track_id < b.track_id;
  });
  if (static_cast<int>(out.size()) > n) out.resize(n);
  return out;
}

}  // namespace muse::listeners
