#pragma once
/// Persistence behind one interface, implemented for SQLite (embedded default) and
/// PostgreSQL. Nothing above this layer writes SQL.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "catalog/track.h"
#include "listeners/feedback.h"
#include "cf/playlist.h"

namespace muse::storage {

struct SearchHit {
  catalog::Track track;
  double score = 0;  ///< higher is better
};

struct UpsertStats {
  size_t inserted = 0;
  size_t updated = 0;
};

struct Listener {
  int64_t id = 0;
  std::string name;
  int64_t created_ms = 0;
};

/// A new listener and its API token. The token is shown once: the store keeps only a salted
/// SHA-256 of its secret part.
struct NewListener {
  Listener listener;
  std::string token;  ///< "mt_<16 hex token id>_<64 hex secret>"
};

/// Page of a listener's feedback, newest first.
struct FeedbackPage {
  int limit = 100;         ///< 1..10000
  int64_t before_id = 0;   ///< only ids < before_id; 0 = from the newest
};

/// What one other listener felt and liked, for "listeners who felt like you liked...".
struct CommunitySignal {
  int64_t listener_id = 0;
  std::vector<listeners::MoodEntry> moods;  ///< newest first
  std::vector<std::string> liked_track_ids;  ///< likes and ratings >= 4, newest first
};

class Store {
 public:
  virtual ~Store() = default;
  virtual std::string backend() const = 0;  ///< "sqlite" or "postgresql"
  virtual int schema_version() = 0;

  // ---- tracks ----
  /// Inserts or updates tracks in one transaction; genres are unioned with stored ones.
  /// On any error nothing of the batch is written.
  virtual UpsertStats upsert_tracks(std::span<const catalog::Track> tracks) = 0;
  virtual std::optional<catalog::Track> get_track(const std::string& id) = 0;
  virtual std::vector<catalog::Track> all_tracks() = 0;
  virtual int64_t track_count() = 0;
  /// Full-text search over name, artists and album: case/accent-insensitive, prefix-friendly,
  /// exact and prefix matches first, then relevance blended with popularity.
  virtual std::vector<SearchHit> search_tracks(const std::string& query, int limit) = 0;
  /// Changes whenever tracks change (used to know when the snapshot is stale).
  virtual int64_t tracks_revision() = 0;

  // ---- listeners ----
  // Every method below takes the caller's listener id (from authenticate()) and only ever
  // reads or writes that listener's rows: another listener's ids act as "not found".
  /// Creates a listener; `name` is a display name (may be empty, <= 256 bytes, UTF-8).
  virtual NewListener create_listener(const std::string& name) = 0;
  /// The listener a token belongs to, or nullopt for a malformed, unknown or wrong token.
  /// Compares hashes in constant time.
  virtual std::optional<Listener> authenticate(const std::string& token) = 0;
  virtual std::optional<Listener> get_listener(int64_t listener_id) = 0;
  virtual int64_t listener_count() = 0;
  /// Operators only (admin token): listeners by id ascending, ids > after_id, at most limit.
  virtual std::vector<Listener> list_listeners(int limit, int64_t after_id) = 0;
  /// Operators only, or a listener deleting themself: removes the listener and everything
  /// of theirs (feedback, moods, conversations, messages). False if there was none.
  virtual bool delete_listener(int64_t listener_id) = 0;

  // ---- feedback ----
  /// Appends one event (validated by listeners::validate_feedback; created_ms 0 = now) and
  /// returns its id. Durable when it returns: the commit is synced to disk.
  /// Throws kNotFound if the listener does not exist.
  virtual int64_t add_feedback(int64_t listener_id, const listeners::Feedback& f) = 0;
  virtual std::vector<listeners::Feedback> list_feedback(int64_t listener_id, const FeedbackPage& page) = 0;
  /// Every event of the listener, oldest first (input of the taste profile).
  virtual std::vector<listeners::Feedback> all_feedback(int64_t listener_id) = 0;
  virtual int64_t feedback_count(int64_t listener_id) = 0;
  /// Removes one of the listener's events (an "undo"); false if it is not theirs or absent.
  virtual bool delete_feedback(int64_t listener_id, int64_t feedback_id) = 0;

  // ---- mood history ----
  virtual int64_t add_mood(int64_t listener_id, const listeners::MoodEntry& m) = 0;
  /// Newest first, at most `limit` (1..10000).
  virtual std::vector<listeners::MoodEntry> list_moods(int64_t listener_id, int limit) = 0;
  /// Up to `max_listeners` other listeners who have mood history, most recently active
  /// first, each with their last `moods_each` moods and `likes_each` liked tracks.
  virtual std::vector<CommunitySignal> community_signals(int64_t exclude_listener_id, int max_listeners,
                                                         int moods_each, int likes_each) = 0;

  // ---- conversations (chat) ----
  virtual listeners::Conversation create_conversation(int64_t listener_id, const std::string& language) = 0;
  virtual std::optional<listeners::Conversation> get_conversation(int64_t listener_id,
                                                                  int64_t conversation_id) = 0;
  /// Newest activity first.
  virtual std::vector<listeners::Conversation> list_conversations(int64_t listener_id, int limit) = 0;
  /// Appends a message; throws kNotFound if the conversation is not this listener's.
  virtual int64_t add_message(int64_t listener_id, int64_t conversation_id, const listeners::Message& m) = 0;
  /// Oldest first; the last `limit` messages. kNotFound if the conversation is not theirs.
  virtual std::vector<listeners::Message> list_messages(int64_t listener_id, int64_t conversation_id,
                                                        int limit) = 0;
  // ---- playlists (schema v2): title, tags and songs in order ----
  // Defaults throw kUnavailable so a backend without playlist support still builds.
  /// Inserts or replaces playlists (by id) in one transaction; songs need not be in the catalogue.
  virtual UpsertStats upsert_playlists(std::span<const cf::Playlist> playlists);
  virtual std::vector<cf::Playlist> all_playlists();
  virtual int64_t playlist_count();
  /// Changes whenever playlists change (continuation models record it to detect staleness).
  virtual int64_t playlists_revision();
};

/// Opens a store from a URL: "postgresql://..." or "postgres://..." for PostgreSQL,
/// anything else is a SQLite file path. Runs migrations.
std::unique_ptr<Store> open_store(const std::string& url);

/// FTS query helper shared by backends: folded tokens; throws kInvalidArgument if none.
std::vector<std::string> search_tokens(const std::string& query);

}  // namespace muse::storage
