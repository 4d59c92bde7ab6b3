// The same storage suite on SQLite and PostgreSQL: tracks, listeners, tokens, feedback,
// moods, conversations, playlists, isolation between listeners, injection strings, migrations.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <thread>

#include "storage/store_helpers.h"
#include "util/error.h"

namespace muse {
namespace {

using listeners::Feedback;
using listeners::FeedbackKind;
using storage::Store;
using ::testing::HasSubstr;

template <class B>
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!backend_.setup(&why)) GTEST_SKIP() << why;
    store_ = backend_.open();
  }
  B backend_;
  std::unique_ptr<Store> store_;
};

using Backends = ::testing::Types<test::SqliteBackend, test::PgBackend>;
class BackendNames {
 public:
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, test::SqliteBackend> ? "Sqlite" : "Postgres";
  }
};
TYPED_TEST_SUITE(StoreTest, Backends, BackendNames);

catalog::Track make_track(const std::string& id, const std::string& name,
                          std::vector<std::string> artists, float energy, int popularity = 50) {
  catalog::Track t;
  t.id = id;
  t.name = name;
  t.artists = std::move(artists);
  t.album = name + " (album)";
  t.release_date = "2001-02-03";
  t.popularity = popularity;
  t.explicit_ = 0;
  t.genres = {"pop"};
  t.feature(catalog::Feature::kEnergy) = energy;
  t.feature(catalog::Feature::kValence) = 0.25f;
  return t;
}

Feedback like(const std::string& track, const std::string& context = "") {
  Feedback f;
  f.kind = FeedbackKind::kLike;
  f.track_id = track;
  f.context = context;
  return f;
}

template <class F>
ErrorCode code_of(F&& f) {
  try {
    f();
  } catch (const MuseError& e) {
    return e.code();
  }
  ADD_FAILURE() << "expected a MuseError";
  return ErrorCode::kInternal;
}

TYPED_TEST(StoreTest, ReportsBackendAndCurrentSchema) {
  EXPECT_EQ(this->store_->backend(), this->backend_.name());
  EXPECT_EQ(this->store_->schema_version(), this->backend_.current_schema());
}

TYPED_TEST(StoreTest, TracksRoundTripSearchAndRevision) {
  auto& s = *this->store_;
  int64_t rev0 = s.tracks_revision();
  std::vector<catalog::Track> tracks = {
      make_track("t1", "Halo", {"Beyoncé"}, 0.7f, 80),
      make_track("t2", "Halo Theme", {"Someone", "Beyoncé"}, 0.2f, 10),
      make_track("t3", "Crazy in Love", {"Beyoncé", "Jay-Z"}, 0.9f, 90)};
  auto st = s.upsert_tracks(tracks);
  EXPECT_EQ(st.inserted, 3u);
  EXPECT_EQ(st.updated, 0u);
  EXPECT_GT(s.tracks_revision(), rev0);
  EXPECT_EQ(s.track_count(), 3);

  auto t1 = s.get_track("t1");
  ASSERT_TRUE(t1);
  EXPECT_EQ(t1->name, "Halo");
  EXPECT_EQ(t1->artists, std::vector<std::string>{"Beyoncé"});
  EXPECT_EQ(t1->album, "Halo (album)");
  EXPECT_EQ(t1->popularity, 80);
  EXPECT_FLOAT_EQ(t1->feature(catalog::Feature::kEnergy), 0.7f);
  EXPECT_TRUE(std::isnan(t1->feature(catalog::Feature::kTempo)));
  EXPECT_FALSE(s.get_track("nope"));

  // Update: genres are unioned, an empty album keeps the stored one.
  catalog::Track upd = tracks[0];
  upd.genres = {"r&b"};
  upd.album = "";
  upd.popularity = 81;
  auto st2 = s.upsert_tracks(std::span<const catalog::Track>(&upd, 1));
  EXPECT_EQ(st2.updated, 1u);
  t1 = s.get_track("t1");
  EXPECT_EQ(t1->genres, (std::vector<std::string>{"pop", "r&b"}));
  EXPECT_EQ(t1->album, "Halo (album)");
  EXPECT_EQ(t1->popularity, 81);
  EXPECT_EQ(s.all_tracks().size(), 3u);

  // Accent- and case-insensitive; exact name match first; prefixes match.
  auto hits = s.search_tracks("halo", 10);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].track.id, "t1");
  auto by_artist = s.search_tracks("BEYONCE", 10);
  EXPECT_EQ(by_artist.size(), 3u);
  auto prefix = s.search_tracks("craz lov", 10);
  ASSERT_EQ(prefix.size(), 1u);
  EXPECT_EQ(prefix[0].track.id, "t3");
  EXPECT_EQ(prefix[0].track.artists.size(), 2u);
  EXPECT_TRUE(s.search_tracks("zzzz", 10).empty());
  EXPECT_EQ(code_of([&] { s.search_tracks("  ...  ", 10); }), ErrorCode::kInvalidArgument);
}

TYPED_TEST(StoreTest, TokensAuthenticateAndOnlyHashesAreStored) {
  auto& s = *this->store_;
  auto a = s.create_listener("Ada");
  auto b = s.create_listener("");
  EXPECT_NE(a.listener.id, b.listener.id);
  EXPECT_NE(a.token, b.token);
  EXPECT_EQ(s.listener_count(), 2);
  auto who = s.authenticate(a.token);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->id, a.listener.id);
  EXPECT_EQ(who->name, "Ada");
  EXPECT_EQ(s.authenticate(b.token)->id, b.listener.id);

  // Same token id, wrong secret; malformed; empty; another listener's id with a's secret.
  std::string wrong = a.token;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  EXPECT_FALSE(s.authenticate(wrong));
  EXPECT_FALSE(s.authenticate(""));
  EXPECT_FALSE(s.authenticate("mt_' OR '1'='1"));
  EXPECT_FALSE(s.authenticate(a.token + "0"));
  std::string mixed = b.token.substr(0, 20) + a.token.substr(20);
  EXPECT_FALSE(s.authenticate(mixed));

  // The secret half of the token is nowhere in the store.
  std::string raw = this->backend_.raw_listener_rows();
  ASSERT_FALSE(raw.empty());
  EXPECT_EQ(raw.find(a.token.substr(20)), std::string::npos);
  EXPECT_EQ(raw.find(b.token.substr(20)), std::string::npos);
  EXPECT_NE(raw.find(a.token.substr(3, 16)), std::string::npos);  // the public token id is

  EXPECT_TRUE(s.get_listener(a.listener.id));
  EXPECT_FALSE(s.get_listener(a.listener.id + 1000));
  EXPECT_EQ(code_of([&] { s.create_listener(std::string("a\0b", 3)); }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([&] { s.create_listener(std::string(300, 'x')); }),
            ErrorCode::kInvalidArgument);
}

TYPED_TEST(StoreTest, FeedbackRoundTripPagingAndDelete) {
  auto& s = *this->store_;
  int64_t me = s.create_listener("me").listener.id;
  std::vector<Feedback> in;
  in.push_back(like("t1", R"({"source":"recommendations","list_id":"r-17"})"));
  Feedback d;
  d.kind = FeedbackKind::kDislike;
  d.artist = "Nickelback";
  d.context = R"({"source":"chat","mood":"angry"})";
  in.push_back(d);
  Feedback sk;
  sk.kind = FeedbackKind::kSkip;
  sk.track_id = "t2";
  sk.created_ms = 1700000000123;
  in.push_back(sk);
  for (int r = 1; r <= 5; ++r) {
    Feedback f;
    f.kind = FeedbackKind::kRating;
    f.rating = r;
    f.track_id = "r" + std::to_string(r);
    f.context = R"({"source":"mood","mood":{"valence":-0.5}})";
    in.push_back(f);
  }
  std::vector<int64_t> ids;
  for (const auto& f : in) ids.push_back(s.add_feedback(me, f));
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(s.feedback_count(me), 8);

  auto all = s.all_feedback(me);
  ASSERT_EQ(all.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(all[i].id, ids[i]);
    EXPECT_EQ(all[i].listener_id, me);
    EXPECT_EQ(all[i].kind, in[i].kind);
    EXPECT_EQ(all[i].track_id, in[i].track_id);
    EXPECT_EQ(all[i].artist, in[i].artist);
    EXPECT_EQ(all[i].rating, in[i].rating);
    EXPECT_EQ(all[i].context, in[i].context.empty() ? "{}" : in[i].context);
    EXPECT_GT(all[i].created_ms, 1600000000000);
  }
  EXPECT_EQ(all[2].created_ms, 1700000000123);

  // Newest first, paged by id.
  auto page1 = s.list_feedback(me, {3, 0});
  ASSERT_EQ(page1.size(), 3u);
  EXPECT_EQ(page1[0].id, ids[7]);
  EXPECT_EQ(page1[2].id, ids[5]);
  auto page2 = s.list_feedback(me, {3, page1.back().id});
  ASSERT_EQ(page2.size(), 3u);
  EXPECT_EQ(page2[0].id, ids[4]);

  EXPECT_TRUE(s.delete_feedback(me, ids[0]));
  EXPECT_FALSE(s.delete_feedback(me, ids[0]));
  EXPECT_EQ(s.feedback_count(me), 7);
}

// A client that retries a write (timeout, crash, "outcome unknown") with the same request id
// gets the first write's id back, never a duplicate; other listeners' keys are separate.
TYPED_TEST(StoreTest, RetriedFeedbackWithARequestIdIsWrittenOnce) {
  auto& s = *this->store_;
  int64_t a = s.create_listener("a").listener.id;
  int64_t b = s.create_listener("b").listener.id;
  Feedback f = like("t1");
  f.request_id = "req-42";
  int64_t first = s.add_feedback(a, f);
  EXPECT_EQ(s.add_feedback(a, f), first);
  EXPECT_EQ(s.feedback_count(a), 1);
  EXPECT_EQ(s.all_feedback(a)[0].request_id, "req-42");
  EXPECT_NE(s.add_feedback(b, f), first);  // same key, another listener: its own write
  f.request_id = "";
  EXPECT_NE(s.add_feedback(a, f), s.add_feedback(a, f));  // no key: every call writes
  EXPECT_EQ(s.feedback_count(a), 3);
  // Concurrent retries of one key: one row.
  f.request_id = "req-burst";
  std::vector<std::thread> th;
  std::vector<int64_t> ids(8);
  for (int i = 0; i < 8; ++i) th.emplace_back([&, i] { ids[i] = s.add_feedback(a, f); });
  for (auto& t : th) t.join();
  for (int64_t id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_EQ(s.feedback_count(a), 4);
}

TYPED_TEST(StoreTest, FeedbackValidationGivesClearErrors) {
  auto& s = *this->store_;
  int64_t me = s.create_listener("me").listener.id;
  Feedback f = like("t1");
  f.rating = 3;  // only ratings carry one
  EXPECT_EQ(code_of([&] { s.add_feedback(me, f); }), ErrorCode::kInvalidArgument);
  Feedback r;
  r.kind = FeedbackKind::kRating;
  r.track_id = "t1";
  r.rating = 6;
  EXPECT_EQ(code_of([&] { s.add_feedback(me, r); }), ErrorCode::kInvalidArgument);
  r.rating = 0;
  EXPECT_EQ(code_of([&] { s.add_feedback(me, r); }), ErrorCode::kInvalidArgument);
  Feedback none;
  EXPECT_EQ(code_of([&] { s.add_feedback(me, none); }), ErrorCode::kInvalidArgument);
  Feedback both = like("t1");
  both.artist = "x";
  EXPECT_EQ(code_of([&] { s.add_feedback(me, both); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([&] { s.add_feedback(me, like("t1", "{not json")); }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([&] { s.add_feedback(me, like("t1", "[1,2]")); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([&] { s.add_feedback(me, like(std::string("t\0x", 3))); }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([&] { s.add_feedback(me, like("\xff\xfe")); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([&] { s.add_feedback(me, like(std::string(5000, 'a'))); }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([&] { s.add_feedback(me + 999, like("t1")); }), ErrorCode::kNotFound);
  EXPECT_EQ(code_of([&] { s.list_feedback(me, {0, 0}); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.feedback_count(me), 0);
}

TYPED_TEST(StoreTest, ListenersCannotSeeOrChangeEachOthersData) {
  auto& s = *this->store_;
  int64_t a = s.create_listener("a").listener.id;
  int64_t b = s.create_listener("b").listener.id;
  int64_t fa = s.add_feedback(a, like("secret-a"));
  s.add_feedback(b, like("b1"));
  listeners::MoodEntry m;
  m.emotions = {{"sadness", 0.9}};
  m.valence = -0.7;
  s.add_mood(a, m);
  auto conv = s.create_conversation(a, "en");
  s.add_message(a, conv.id, {0, 0, "listener", "private words", "", 0});

  // b sees only b's rows.
  auto fb = s.list_feedback(b, {});
  ASSERT_EQ(fb.size(), 1u);
  EXPECT_EQ(fb[0].track_id, "b1");
  EXPECT_EQ(s.all_feedback(b).size(), 1u);
  EXPECT_TRUE(s.list_moods(b, 10).empty());
  EXPECT_TRUE(s.list_conversations(b, 10).empty());
  // b cannot delete a's feedback, read or write a's conversation.
  EXPECT_FALSE(s.delete_feedback(b, fa));
  EXPECT_EQ(s.feedback_count(a), 1);
  EXPECT_FALSE(s.get_conversation(b, conv.id));
  EXPECT_EQ(code_of([&] { s.list_messages(b, conv.id, 10); }), ErrorCode::kNotFound);
  EXPECT_EQ(code_of([&] {
              s.add_message(b, conv.id, {0, 0, "listener", "intrusion", "", 0});
            }),
            ErrorCode::kNotFound);
  EXPECT_EQ(s.list_messages(a, conv.id, 10).size(), 1u);
  // Community signals never include the asking listener.
  for (const auto& c : s.community_signals(a, 10, 5, 5)) EXPECT_NE(c.listener_id, a);
}

TYPED_TEST(StoreTest, MoodHistoryRoundTripsExactly) {
  auto& s = *this->store_;
  int64_t me = s.create_listener("me").listener.id;
  listeners::MoodEntry m;
  m.emotions = {{"joy", 0.1}, {"sadness", 0.7}, {"anger", 0.2}};
  m.valence = -0.123456789012345;
  m.arousal = 1.0 / 3.0;
  m.text_hash = std::string(64, 'a');
  m.source = "chat";
  m.created_ms = 1700000000000;
  int64_t id1 = s.add_mood(me, m);
  m.valence = 0.5;
  m.created_ms = 0;
  int64_t id2 = s.add_mood(me, m);
  auto moods = s.list_moods(me, 10);
  ASSERT_EQ(moods.size(), 2u);
  EXPECT_EQ(moods[0].id, id2);
  EXPECT_EQ(moods[1].id, id1);
  EXPECT_EQ(moods[1].emotions, m.emotions);
  EXPECT_EQ(moods[1].valence, -0.123456789012345);
  EXPECT_EQ(moods[1].arousal, 1.0 / 3.0);
  EXPECT_EQ(moods[1].text_hash, m.text_hash);
  EXPECT_EQ(moods[1].source, "chat");
  EXPECT_EQ(moods[1].created_ms, 1700000000000);
  EXPECT_EQ(s.list_moods(me, 1).size(), 1u);
  m.valence = 2;
  EXPECT_EQ(code_of([&] { s.add_mood(me, m); }), ErrorCode::kInvalidArgument);
  m.valence = NAN;
  EXPECT_EQ(code_of([&] { s.add_mood(me, m); }), ErrorCode::kInvalidArgument);
}

TYPED_TEST(StoreTest, CommunitySignalsCarryMoodsAndLikes) {
  auto& s = *this->store_;
  int64_t me = s.create_listener("me").listener.id;
  int64_t other = s.create_listener("other").listener.id;
  int64_t silent = s.create_listener("silent").listener.id;  // no moods: not a candidate
  listeners::MoodEntry m;
  m.emotions = {{"joy", 1.0}};
  m.valence = 0.8;
  s.add_mood(me, m);
  s.add_mood(other, m);
  s.add_feedback(other, like("x1"));
  Feedback r;
  r.kind = FeedbackKind::kRating;
  r.track_id = "x2";
  r.rating = 5;
  s.add_feedback(other, r);
  r.track_id = "x3";
  r.rating = 2;  // not a like
  s.add_feedback(other, r);
  s.add_feedback(silent, like("s1"));
  auto sig = s.community_signals(me, 10, 5, 10);
  ASSERT_EQ(sig.size(), 1u);
  EXPECT_EQ(sig[0].listener_id, other);
  EXPECT_EQ(sig[0].moods.size(), 1u);
  EXPECT_EQ(sig[0].liked_track_ids, (std::vector<std::string>{"x2", "x1"}));

  // Several listeners: most recently active first, each cut to its own last moods/likes.
  int64_t third = s.create_listener("third").listener.id;
  for (int i = 0; i < 3; ++i) {
    m.valence = -0.1 * i;
    s.add_mood(third, m);
    s.add_feedback(third, like("y" + std::to_string(i)));
  }
  auto two = s.community_signals(me, 10, 2, 2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].listener_id, third);
  EXPECT_EQ(two[1].listener_id, other);
  ASSERT_EQ(two[0].moods.size(), 2u);
  EXPECT_DOUBLE_EQ(two[0].moods[0].valence, -0.2);
  EXPECT_EQ(two[0].liked_track_ids, (std::vector<std::string>{"y2", "y1"}));
  EXPECT_EQ(two[1].liked_track_ids, (std::vector<std::string>{"x2", "x1"}));
  EXPECT_EQ(s.community_signals(me, 1, 5, 5).size(), 1u);
}

TYPED_TEST(StoreTest, ConversationsKeepMessagesInOrder) {
  auto& s = *this->store_;
  int64_t me = s.create_listener("me").listener.id;
  auto c1 = s.create_conversation(me, "en");
  auto c2 = s.create_conversation(me, "ko");
  EXPECT_EQ(c2.language, "ko");
  // Explicit times after c2 was created: with the clock, c2's creation and these messages can
  // share a millisecond, and a tie lists the newer conversation first.
  const int64_t t = c2.updated_ms + 1;
  s.add_message(me, c1.id, {0, 0, "listener", "I feel blue", "", t});
  s.add_message(me, c1.id, {0, 0, "muse", "Tell me more", R"({"gauge":0.3})", t + 1});
  s.add_message(me, c1.id, {0, 0, "listener", "더 이야기해줘", "", t + 2});
  auto msgs = s.list_messages(me, c1.id, 100);
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[0].text, "I feel blue");
  EXPECT_EQ(msgs[1].role, "muse");
  EXPECT_EQ(msgs[1].analysis, R"({"gauge":0.3})");
  EXPECT_EQ(msgs[2].text, "더 이야기해줘");
  auto last2 = s.list_messages(me, c1.id, 2);
  ASSERT_EQ(last2.size(), 2u);
  EXPECT_EQ(last2[0].role, "muse");
  auto convs = s.list_conversations(me, 10);
  ASSERT_EQ(convs.size(), 2u);
  EXPECT_EQ(convs[0].id, c1.id);  // most recent activity first
  EXPECT_EQ(convs[0].updated_ms, t + 2);
  EXPECT_EQ(convs[1].id, c2.id);
  EXPECT_TRUE(s.get_conversation(me, c2.id));
  EXPECT_EQ(code_of([&] {
              s.add_message(me, c1.id, {0, 0, "system", "x", "", 0});
            }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([&] { s.create_conversation(me, "en'; DROP TABLE x;--"); }),
            ErrorCode::kInvalidArgument);
}

// Classic injection payloads in every text field: stored and read back byte for byte, and the
// schema is intact afterwards.
TYPED_TEST(StoreTest, InjectionStringsAreStoredVerbatim) {
  auto& s = *this->store_;
  const std::vector<std::string> payloads = {
      "'; DROP TABLE feedback; --",
      "\" OR \"1\"=\"1",
      "Robert'); DROP TABLE listeners;--",
      "1; SELECT pg_sleep(5)",
      "$1 $2 ?1 ? :name @p",
      "\\'\\\"\\\\ %_ \\x00",
      "') UNION SELECT token_hash, token_salt FROM listeners --",
      "tab\tnewline\ncr\r 🎵 é ß 한국어",
      "*:* & | ! ( ) 'quoted' NEAR/2 \"fts\"",
  };
  for (const auto& p : payloads) {
    SCOPED_TRACE(p);
    auto nl = s.create_listener(p);
    int64_t me = nl.listener.id;
    EXPECT_EQ(s.authenticate(nl.token)->name, p);
    EXPECT_FALSE(s.authenticate(p));
    Feedback f = like(p, nlohmann::json({{"source", p}, {"list_id", p}, {"mood", p}}).dump());
    f.request_id = p;
    int64_t fid = s.add_feedback(me, f);
    Feedback art;
    art.kind = FeedbackKind::kDislike;
    art.artist = p;
    s.add_feedback(me, art);
    auto back = s.all_feedback(me);
    ASSERT_EQ(back.size(), 2u);
    EXPECT_EQ(back[0].id, fid);
    EXPECT_EQ(back[0].track_id, p);
    EXPECT_EQ(back[0].context, f.context);
    EXPECT_EQ(back[0].request_id, p);
    EXPECT_EQ(s.add_feedback(me, f), fid);  // the payload as an idempotency key: still one row
    EXPECT_EQ(back[1].artist, p);

    listeners::MoodEntry m;
    m.emotions = {{p, 0.5}};
    m.text_hash = p.substr(0, 120);
    m.source = p.substr(0, 60);
    s.add_mood(me, m);
    auto moods = s.list_moods(me, 5);
    ASSERT_EQ(moods.size(), 1u);
    EXPECT_EQ(moods[0].emotions, m.emotions);
    EXPECT_EQ(moods[0].text_hash, m.text_hash);
    EXPECT_EQ(moods[0].source, m.source);

    auto conv = s.create_conversation(me, "en");
    std::string analysis = nlohmann::json({{"note", p}}).dump();
    s.add_message(me, conv.id, {0, 0, "listener", p, analysis, 0});
    auto msgs = s.list_messages(me, conv.id, 5);
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0].text, p);
    EXPECT_EQ(msgs[0].analysis, analysis);

    catalog::Track t = make_track("id " + p, p, {p, "x " + p}, 0.5f);
    t.album = p;
    t.album_id = p;
    t.genres = {p};
    s.upsert_tracks(std::span<const catalog::Track>(&t, 1));
    auto got = s.get_track(t.id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->name, p);
    EXPECT_EQ(got->artists, t.artists);
    EXPECT_EQ(got->album, p);
    EXPECT_EQ(got->album_id, p);
    EXPECT_EQ(got->genres, t.genres);
    try {
      for (const auto& h : s.search_tracks(p, 50)) EXPECT_TRUE(s.get_track(h.track.id));
    } catch (const MuseError& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();  // e.g. no letters at all
    }
  }
  // Nothing was dropped or leaked across listeners.
  EXPECT_EQ(s.listener_count(), static_cast<int64_t>(payloads.size()));
  EXPECT_EQ(s.track_count(), static_cast<int64_t>(payloads.size()));
  EXPECT_EQ(s.schema_version(), this->backend_.current_schema());
  auto hits = s.search_tracks("robert drop table listeners", 10);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].track.name, payloads[2]);
}

TYPED_TEST(StoreTest, OperatorsListAndDeleteListenersWithAllTheirData) {
  auto& s = *this->store_;
  auto a = s.create_listener("a");
  auto b = s.create_listener("b");
  auto c = s.create_listener("c");
  s.add_feedback(b.listener.id, like("t1"));
  listeners::MoodEntry m;
  m.emotions = {{"joy", 1.0}};
  s.add_mood(b.listener.id, m);
  auto conv = s.create_conversation(b.listener.id, "en");
  s.add_message(b.listener.id, conv.id, {0, 0, "listener", "hi", "", 0});

  auto page = s.list_listeners(2, 0);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].id, a.listener.id);
  EXPECT_EQ(page[1].id, b.listener.id);
  auto rest = s.list_listeners(10, page.back().id);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].name, "c");

  EXPECT_TRUE(s.delete_listener(b.listener.id));
  EXPECT_FALSE(s.delete_listener(b.listener.id));
  EXPECT_FALSE(s.authenticate(b.token));
  EXPECT_EQ(s.feedback_count(b.listener.id), 0);
  EXPECT_TRUE(s.list_moods(b.listener.id, 10).empty());
  EXPECT_FALSE(s.get_conversation(b.listener.id, conv.id));
  EXPECT_EQ(s.listener_count(), 2);
  EXPECT_TRUE(s.authenticate(a.token));
  EXPECT_EQ(code_of([&] { s.add_feedback(b.listener.id, like("t2")); }), ErrorCode::kNotFound);
}

// Two stores on one database (two server replicas sharing PostgreSQL, or two processes on
// one SQLite file) see each other's listeners and feedback as soon as a call returns.
TYPED_TEST(StoreTest, TwoStoresOnOneDatabaseSeeEachOtherAtOnce) {
  auto other = storage::open_store(this->backend_.url());
  auto& s = *this->store_;
  auto nl = s.create_listener("shared");
  auto who = other->authenticate(nl.token);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->id, nl.listener.id);
  int64_t f1 = other->add_feedback(who->id, like("from-replica-2"));
  EXPECT_EQ(s.feedback_count(nl.listener.id), 1);
  EXPECT_EQ(s.list_feedback(nl.listener.id, {})[0].track_id, "from-replica-2");
  s.add_feedback(nl.listener.id, like("from-replica-1"));
  EXPECT_EQ(other->feedback_count(nl.listener.id), 2);
  EXPECT_TRUE(s.delete_feedback(nl.listener.id, f1));
  EXPECT_EQ(other->all_feedback(nl.listener.id).size(), 1u);
}

TYPED_TEST(StoreTest, PlaylistsRoundTripReplaceAndRevision) {
  auto& s = *this->store_;
  EXPECT_EQ(s.playlist_count(), 0);
  EXPECT_TRUE(s.all_playlists().empty());
  int64_t rev0 = s.playlists_revision();
  std::vector<cf::Playlist> in = {
      {"p2", "Rainy café", {"jazz", "rain"}, {"t3", "t1", "not-in-catalogue"}},
      {"p1", "'; DROP TABLE playlists; --", {}, {"t2"}},
      {"p3", "", {"empty-title"}, {"t1", "t2"}}};
  auto st = s.upsert_playlists(in);
  EXPECT_EQ(st.inserted, 3u);
  EXPECT_EQ(st.updated, 0u);
  EXPECT_GT(s.playlists_revision(), rev0);
  EXPECT_EQ(s.playlist_count(), 3);
  auto out = s.all_playlists();
  ASSERT_EQ(out.size(), 3u);
  // Ordered by id; songs and tags keep their order.
  EXPECT_EQ(out[0].id, "p1");
  EXPECT_EQ(out[0].title, "'; DROP TABLE playlists; --");
  EXPECT_TRUE(out[0].tags.empty());
  EXPECT_EQ(out[1].id, "p2");
  EXPECT_EQ(out[1].title, "Rainy café");
  EXPECT_EQ(out[1].tags, (std::vector<std::string>{"jazz", "rain"}));
  EXPECT_EQ(out[1].tracks, (std::vector<std::string>{"t3", "t1", "not-in-catalogue"}));
  EXPECT_EQ(out[2].title, "");

  // Upserting an existing id replaces its title, songs and tags whole.
  int64_t rev1 = s.playlists_revision();
  cf::Playlist again{"p2", "Sunny", {"pop"}, {"t9"}};
  st = s.upsert_playlists(std::span<const cf::Playlist>(&again, 1));
  EXPECT_EQ(st.inserted, 0u);
  EXPECT_EQ(st.updated, 1u);
  EXPECT_GT(s.playlists_revision(), rev1);
  out = s.all_playlists();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1].title, "Sunny");
  EXPECT_EQ(out[1].tags, std::vector<std::string>{"pop"});
  EXPECT_EQ(out[1].tracks, std::vector<std::string>{"t9"});

  // A second store on the same database sees them at once.
  auto other = storage::open_store(this->backend_.url());
  EXPECT_EQ(other->playlist_count(), 3);
  EXPECT_EQ(other->playlists_revision(), s.playlists_revision());
}

TYPED_TEST(StoreTest, BadPlaylistsAreRejectedAndLoseNothing) {
  auto& s = *this->store_;
  cf::Playlist ok{"keep", "Keep me", {"a"}, {"t1"}};
  s.upsert_playlists(std::span<const cf::Playlist>(&ok, 1));
  int64_t rev = s.playlists_revision();
  std::vector<cf::Playlist> bad = {{"new", "fine", {}, {"t2"}}, {"", "no id", {}, {"t3"}}};
  EXPECT_EQ(code_of([&] { s.upsert_playlists(bad); }), ErrorCode::kInvalidArgument);
  std::vector<cf::Playlist> bad_utf8 = {{"x", std::string("bad \xff title"), {}, {"t4"}}};
  EXPECT_EQ(code_of([&] { s.upsert_playlists(bad_utf8); }), ErrorCode::kInvalidArgument);
  // Nothing of the failed batches was written.
  EXPECT_EQ(s.playlist_count(), 1);
  EXPECT_EQ(s.playlists_revision(), rev);
  auto out = s.all_playlists();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tracks, std::vector<std::string>{"t1"});
}

// A store written by schema v1 (tracks only) opens with this version: migrated in place,
// tracks kept, listeners usable.
TYPED_TEST(StoreTest, MigratesVersionOneStores) {
  this->store_.reset();
  std::string why;
  TypeParam fresh;
  ASSERT_TRUE(fresh.setup(&why));
  {
    auto v1 = fresh.open(1);
    EXPECT_EQ(v1->schema_version(), 1);
    auto t = make_track("old", "Old Song", {"Old Band"}, 0.3f);
    v1->upsert_tracks(std::span<const catalog::Track>(&t, 1));
  }
  auto v2 = fresh.open();
  EXPECT_EQ(v2->schema_version(), this->backend_.current_schema());
  EXPECT_EQ(v2->track_count(), 1);
  EXPECT_EQ(v2->search_tracks("old song", 5).size(), 1u);
  auto nl = v2->create_listener("new");
  EXPECT_EQ(v2->add_feedback(nl.listener.id, like("old")) > 0, true);
  // Playlists (v3) work on a migrated store.
  cf::Playlist p{"pl", "After migration", {"t"}, {"old"}};
  EXPECT_EQ(v2->upsert_playlists(std::span<const cf::Playlist>(&p, 1)).inserted, 1u);
  EXPECT_EQ(v2->playlist_count(), 1);
  // Reopening is a no-op.
  v2.reset();
  EXPECT_EQ(fresh.open()->feedback_count(nl.listener.id), 1);
}

}  // namespace
}  // namespace muse
