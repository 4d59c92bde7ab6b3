#pragma once
#include <mutex>
#include <string>

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
  static constexpr int kSchemaVersion = 2;
  explicit SqliteStore(const std::string& path);
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

  /// Runs `sql` (no parameters) — for migrations and pragmas only.
  void exec(const char* sql);
  sqlite3* handle() { return db_; }

 protected:
  /// Serialises writers within this process; SQLite's WAL handles other processes.
  std::recursive_mutex mu_;

 private:
  void migrate();
  std::vector<catalog::Track> load_tracks(const char* where_sql, const std::string* id);
  sqlite3* db_ = nullptr;
  std::string path_;
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
