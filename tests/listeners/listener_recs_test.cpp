// recommend_for_listener over a real App and SQLite store: feedback and mood history from the
// store shape the list, and "listeners who felt like you liked..." comes from neighbours.
#include "app/listener_recs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "listeners/catalog_helpers.h"
#include "util/error.h"

namespace muse {
namespace {

namespace fs = std::filesystem;
using test::synthetic_track_id;

listeners::MoodEntry mood(double v, double a, const std::string& emotion) {
  listeners::MoodEntry m;
  m.valence = v;
  m.arousal = a;
  m.emotions = {{emotion, 1.0}};
  m.source = "chat";
  return m;
}

listeners::Feedback like(const std::string& id) {
  listeners::Feedback f;
  f.kind = listeners::FeedbackKind::kLike;
  f.track_id = id;
  return f;
}

TEST(ListenerRecs, FeedbackAndNeighboursFromTheStore) {
  fs::path home = fs::temp_directory_path() / ("muse_listener_recs_" + std::to_string(::getpid()));
  fs::remove_all(home);
  fs::create_directories(home);
  test::write_synthetic_tracks(home / "tracks.csv", 8, 10);
  app::Options opt;
  opt.home = home.string();
  opt.data_dir = home.string();
  opt.store_url = (home / "muse.db").string();
  opt.index_kind = "exact";
  app::App app(opt);
  app.import_tracks({home / "tracks.csv"});
  auto& store = app.store();

  int64_t me = store.create_listener("me").listener.id;
  int64_t twin = store.create_listener("sad twin").listener.id;
  int64_t other = store.create_listener("happy").listener.id;
  store.add_mood(me, mood(-0.8, -0.4, "sadness"));
  store.add_mood(twin, mood(-0.7, -0.5, "sadness"));
  store.add_mood(other, mood(0.9, 0.8, "joy"));
  store.add_feedback(twin, like(synthetic_track_id(6, 3)));
  store.add_feedback(other, like(synthetic_track_id(7, 3)));

  recommend::ContentQuery q;  // no seeds, no feedback yet: nothing to go on
  EXPECT_THROW(app::recommend_for_listener(app, me, q, 5), MuseError);

  store.add_feedback(me, like(synthetic_track_id(1, 0)));
  q.n = 5;
  auto pr = app::recommend_for_listener(app, me, q, 5);
  EXPECT_EQ(pr.seeds, std::vector<std::string>{synthetic_track_id(1, 0)});
  ASSERT_EQ(pr.result.items.size(), 5u);
  EXPECT_EQ(pr.snapshot->catalog->track(pr.result.items[0].row).primary_artist(), "Band 1");
  ASSERT_EQ(pr.neighbour_likes.size(), 1u);  // the happy listener's like is not offered
  EXPECT_EQ(pr.neighbour_likes[0].track_id, synthetic_track_id(6, 3));

  // Disliking the neighbour's band removes that suggestion too.
  listeners::Feedback ban;
  ban.kind = listeners::FeedbackKind::kDislike;
  ban.artist = "Band 6";
  store.add_feedback(me, ban);
  EXPECT_TRUE(app::recommend_for_listener(app, me, q, 5).neighbour_likes.empty());
  fs::remove_all(home);
}

}  // namespace
}  // namespace muse
