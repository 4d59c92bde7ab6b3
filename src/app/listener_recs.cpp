#include "app/listener_recs.h"

#include <unordered_set>

#include "util/error.h"

namespace muse::app {

PersonalRecommendations recommend_for_listener(App& app, int64_t listener_id,
                                               const recommend::ContentQuery& query,
                                               int neighbours_n) {
  MUSE_CHECK_ARG(neighbours_n >= 0 && neighbours_n <= 1000, "neighbours must be 0..1000");
  auto& store = app.store();
  PersonalRecommendations out;
  out.snapshot = app.content();
  const auto& cat = *out.snapshot->catalog;
  auto feedback = store.all_feedback(listener_id);
  out.feedback_events = feedback.size();
  auto profile = listeners::TasteProfile::build(feedback, cat, *out.snapshot->space);
  out.banned_artists = profile.banned_artists().size();
  out.seeds = profile.personalise(query).query.track_ids;
  out.result = listeners::recommend_for(*out.snapshot->recommender, profile, query);
  if (neighbours_n == 0) return out;

  listeners::ListenerSignals me{listener_id, store.list_moods(listener_id, 50), {}};
  if (me.moods.empty()) return out;  // neighbours are found by mood: none without a history
  for (const auto& op : profile.opinions()) {
    if (op.weight > 0) me.liked_track_ids.push_back(op.track_id);
  }
  std::vector<listeners::ListenerSignals> others;
  for (auto& c : store.community_signals(listener_id, 500, 50, 200)) {
    others.push_back({c.listener_id, std::move(c.moods), std::move(c.liked_track_ids)});
  }
  std::unordered_set<std::string> exclude;
  for (const auto& item : out.result.items) exclude.insert(cat.track(item.row).id);
  for (uint32_t r : profile.excluded_rows()) exclude.insert(cat.track(r).id);
  for (auto& v :
       listeners::neighbour_likes(me, others, exclude, std::min(1000, 3 * neighbours_n))) {
    auto row = cat.find(v.track_id);
    if (row && profile.allowed(static_cast<uint32_t>(*row)))
      out.neighbour_likes.push_back(std::move(v));
    if (static_cast<int>(out.neighbour_likes.size()) >= neighbours_n) break;
  }
  return out;
}

}  // namespace muse::app
