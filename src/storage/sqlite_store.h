#pragma once
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <vector>

#include "storage/store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace muse::storage {

/// RAII prepared statement with typed binds; all SQL goes through these.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& bind(int i, const std::string& v);
  Statement& bind(int i, int64_t v);
  Statement& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Statement& bind(int i, double v);
  Statement& bind_blob(int i, const void* data, int n);
  Statement& bind_null(int i);
  /// Steps once; true if a row is available.
  bool step();
  void reset();
  std::string text(int col) const;
  int64_t integer(int col) const;
  double real(int col) const;
  bool is_null(int col) const;
  std::string blob(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteStore : public Store {
 public:
  /// v1: tracks + search; v2: listeners, feedback, moods, conversations, messages.
  static constexpr int kSchemaVersion = 3;
  /// Opens (creating if needed) and migrates to `migrate_to` (tests use lower versions to
  /// check that old stores upgrade).
  explicit SqliteStore(const std::string& path, int migrate_to = kSchemaVersion);
  ~SqliteStore() override;

  std::string backend() const override { return "sqlite"; }
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
  std::vector<listeners::Feedback> list_feedback(int64_t listener_id, const FeedbackPage& page) override;
  std::vector<listeners::Feedback> all_feedback(int64_t listener_id) override;
  int64_t feedback_count(int64_t listener_id) override;
  bool delete_feedback(int64_t listener_id, int64_t feedback_id) override;
  int64_t add_mood(int64_t listener_id, const listeners::MoodEntry& m) override;
  std::vector<listeners::MoodEntry> list_moods(int64_t listener_id, int limit) override;
  std::vector<CommunitySignal> community_signals(int64_t exclude_listener_id, int max_listeners,
                                                 int moods_each, int likes_each) override;
  listeners::Conversation create_conversation(int64_t listener_id, const std::string& language) override;
  std::optional<listeners::Conversation> get_conversation(int64_t listener_id,
                                                          int64_t conversation_id) override;
  std::vector<listeners::Conversation> list_conversations(int64_t listener_id, int limit) override;
  int64_t add_message(int64_t listener_id, int64_t conversation_id, const listeners::Message& m) override;
  std::vector<listeners::Message> list_messages(int64_t listener_id, int64_t conversation_id,
                                                int limit) override;

  /// Runs `sql` (no parameters) — for migrations and pragmas only.
  void exec(const char* sql);
  sqlite3* handle() { return db_; }

 protected:
  /// Serialises writers within this process; SQLite's WAL handles other processes.
  std::recursive_mutex mu_;

 private:
  int64_t count_tracks();  // caller holds mu_
  /// Revision counters in the meta table ("tracks_revision", ...); caller holds mu_.
  int64_t read_counter(const std::string& key);
  void bump_counter(const std::string& key);
  /// One feedback write waiting for a group commit.
  struct PendingFeedback {
    int64_t listener_id = 0;
    const listeners::Feedback* feedback = nullptr;
    int64_t created_ms = 0;
    int64_t id = 0;
    std::exception_ptr error;
    bool done = false;
  };
  /// Writes a batch in one transaction (one WAL sync for all); fills id or error of each.
  void commit_feedback_batch(const std::vector<PendingFeedback*>& batch);
  void migrate(int target);
  std::vector<listeners::Feedback> read_feedback(Statement& s);
  std::vector<listeners::MoodEntry> read_moods(Statement& s);
  std::vector<catalog::Track> load_tracks(const char* where_sql, const std::string* id);
  sqlite3* db_ = nullptr;
  std::string path_;
  // Group commit of feedback: concurrent writers queue up; one of them (the leader) commits
  // everything queued in one transaction, then all are acknowledged.
  std::mutex feedback_mu_;
  std::condition_variable feedback_cv_;
  std::vector<PendingFeedback*> feedback_queue_;
  bool feedback_leader_ = false;
};

/// RAII transaction: BEGIN IMMEDIATE now, ROLLBACK unless commit() ran.
class Transaction {
 public:
  explicit Transaction(SqliteStore& s);
  ~Transaction();
  void commit();

 private:
  SqliteStore& s_;
  bool done_ = false;
};

}  // namespace muse::storage
