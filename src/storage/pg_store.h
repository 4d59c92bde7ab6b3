#pragma once
/// PostgreSQL backend (libpqxx 6.4): the same Store contract as SqliteStore, for when
/// several `muse serve` replicas share one database.
///
/// Connections: a pool (default 16, `?pool_size=N` in the URL, max 64), so threads never
/// share a connection; each call runs in its own transaction on a leased connection, and a
/// call that finds its pooled connection dead is retried once on a fresh one (safe: nothing
/// was committed). Every statement is parameterised; only constant DDL runs as plain SQL.
///
/// Search: accent/case folding is done in C++ with the same fold_key() the SQLite FTS5 index
/// uses, and the folded name/artists/album go into a generated, weighted `tsvector` column
/// ('simple' configuration, GIN index) queried with prefix terms. So no extension is needed
/// (unaccent/pg_trgm need CREATE privileges a hosted database may not grant) and both
/// backends fold text identically; ranking is exact name/artist match, then prefix match,
/// then ts_rank_cd blended with popularity, like SQLite's bm25 ordering.
///
/// Migrations run under a transaction-scoped advisory lock, so replicas starting together
/// migrate once. Durability: commits use the server's synchronous_commit (on by default).
#include <memory>
#include <string>

#include "storage/store.h"

namespace muse::storage {

class PgPool;

class PgStore : public Store {
 public:
  /// v1: tracks + search; v2: listeners, feedback, moods, conversations, messages;
  /// v3: playlists (same shape as SQLite's v3).
  static constexpr int kSchemaVersion = 3;
  /// Connects (throws kUnavailable with the reason if the server is unreachable) and migrates.
  explicit PgStore(const std::string& url, int migrate_to = kSchemaVersion);
  ~PgStore() override;

  std::string backend() const override { return "postgresql"; }
  int schema_version() override;
  UpsertStats upsert_tracks(std::span<const catalog::Track> tracks) override;
  std::optional<catalog::Track> get_track(const std::string& id) override;
  std::vector<catalog::Track> all_tracks() override;
  int64_t track_count() override;
  std::vector<SearchHit> search_tracks(const std::string& query, int limit) override;
  int64_t tracks_revision() override;

  UpsertStats upsert_playlists(std::span<const cf::Playlist> playlists) override;
  std::vector<cf::Playlist> all_playlists() override;
  int64_t playlist_count() override;
  int64_t playlists_revision() override;

  NewListener create_listener(const std::string& name) override;
  std::optional<Listener> authenticate(const std::string& token) override;
  std::optional<Listener> get_listener(int64_t listener_id) override;
  int64_t listener_count() override;
  std::vector<Listener> list_listeners(int limit, int64_t after_id) override;
  bool delete_listener(int64_t listener_id) override;
  int64_t add_feedback(int64_t listener_id, const listeners::Feedback& f) override;
  std::vector<listeners::Feedback> list_feedback(int64_t listener_id,
                                                 const FeedbackPage& page) override;
  std::vector<listeners::Feedback> all_feedback(int64_t listener_id) override;
  int64_t feedback_count(int64_t listener_id) override;
  bool delete_feedback(int64_t listener_id, int64_t feedback_id) override;
  int64_t add_mood(int64_t listener_id, const listeners::MoodEntry& m) override;
  std::vector<listeners::MoodEntry> list_moods(int64_t listener_id, int limit) override;
  std::vector<CommunitySignal> community_signals(int64_t exclude_listener_id, int max_listeners,
                                                 int moods_each, int likes_each) override;
  listeners::Conversation create_conversation(int64_t listener_id,
                                              const std::string& language) override;
  std::optional<listeners::Conversation> get_conversation(int64_t listener_id,
                                                          int64_t conversation_id) override;
  std::vector<listeners::Conversation> list_conversations(int64_t listener_id, int limit) override;
  int64_t add_message(int64_t listener_id, int64_t conversation_id,
                      const listeners::Message& m) override;
  std::vector<listeners::Message> list_messages(int64_t listener_id, int64_t conversation_id,
                                                int limit) override;

  /// The URL with any password replaced by "***" (for logs and errors).
  const std::string& display_url() const;

 private:
  void migrate(int target);
  std::unique_ptr<PgPool> pool_;
};

/// Splits Muse's own query parameters off a PostgreSQL URL: returns the libpq URL (with
/// connect_timeout=5 added unless given) and sets pool_size (default 16, 1..64).
std::string pg_conninfo(const std::string& url, int* pool_size);
/// `url` with the password (if any) replaced by "***".
std::string redact_pg_url(const std::string& url);

}  // namespace muse::storage
