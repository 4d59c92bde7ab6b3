#include "listeners/neighbours.h"

#include <gtest/gtest.h>

namespace muse::listeners {
namespace {

MoodEntry mood(double valence, double arousal, std::map<std::string, double> e) {
  MoodEntry m;
  m.valence = valence;
  m.arousal = arousal;
  m.emotions = std::move(e);
  return m;
}

ListenerSignals listener(int64_t id, std::vector<MoodEntry> moods, std::vector<std::string> likes) {
  return {id, std::move(moods), std::move(likes)};
}

TEST(Neighbours, MoodSimilarityIsSymmetricAndBounded) {
  auto sad =
      mood_profile(std::vector<MoodEntry>{mood(-0.8, -0.5, {{"sadness", 0.9}, {"fear", 0.1}})});
  auto sad2 =
      mood_profile(std::vector<MoodEntry>{mood(-0.7, -0.4, {{"sadness", 0.8}, {"anger", 0.2}})});
  auto happy = mood_profile(std::vector<MoodEntry>{mood(0.9, 0.6, {{"joy", 1.0}})});
  EXPECT_NEAR(mood_similarity(sad, sad), 1.0, 1e-9);
  EXPECT_DOUBLE_EQ(mood_similarity(sad, sad2), mood_similarity(sad2, sad));
  EXPECT_GT(mood_similarity(sad, sad2), 0.85);
  EXPECT_LT(mood_similarity(sad, happy), 0.3);
  EXPECT_EQ(mood_similarity(sad, MoodProfile{}), 0.0);
}

TEST(Neighbours, ListenersWhoFeltLikeYouVoteForTheirLikes) {
  auto me = listener(1,
                     {mood(-0.8, -0.5, {{"sadness", 0.9}, {"fear", 0.1}}),
                      mood(-0.6, -0.3, {{"sadness", 0.7}, {"anger", 0.3}})},
                     {"mine"});
  std::vector<ListenerSignals> others = {
      listener(2, {mood(-0.7, -0.4, {{"sadness", 0.8}, {"fear", 0.2}})}, {"x", "y", "mine"}),
      listener(3, {mood(-0.75, -0.45, {{"sadness", 1.0}})}, {"x", "z"}),
      listener(4, {mood(0.9, 0.7, {{"joy", 1.0}})}, {"happy-song", "x2"}),
      listener(5, {}, {"no-moods"}),
      listener(1, {mood(-0.8, -0.5, {{"sadness", 1.0}})}, {"self"}),  // me again: ignored
  };
  auto nn = nearest_listeners(me, others);
  ASSERT_EQ(nn.size(), 2u);
  EXPECT_EQ(nn[0].listener_id, 2);  // same mood and a shared like
  EXPECT_EQ(nn[1].listener_id, 3);

  auto votes = neighbour_likes(me, others, {"z"}, 10);
  ASSERT_EQ(votes.size(), 2u);
  EXPECT_EQ(votes[0].track_id, "x");  // liked by both sad neighbours
  EXPECT_EQ(votes[0].listeners, 2);
  EXPECT_EQ(votes[1].track_id, "y");
  for (const auto& v : votes) {
    EXPECT_NE(v.track_id, "mine");        // already liked
    EXPECT_NE(v.track_id, "happy-song");  // from a listener who felt differently
    EXPECT_NE(v.track_id, "self");
  }
  EXPECT_EQ(neighbour_likes(me, others, {}, 1).size(), 1u);
  EXPECT_TRUE(
      neighbour_likes(listener(9, {}, {}), others, {}, 10).empty());  // no moods: no neighbours
}

}  // namespace
}  // namespace muse::listeners
