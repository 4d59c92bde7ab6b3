#include "storage/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "storage/records.h"
#include "storage/token.h"
#include "util/error.h"
#include "util/text.h"

namespace muse::storage {

namespace {

[[noreturn]] void fail(sqlite3* db, const char* what) {
  int code = sqlite3_extended_errcode(db);
  ErrorCode ec = (code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED ? ErrorCode::kUnavailable
                 : (code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB ? ErrorCode::kDataLoss
                 : (code & 0xff) == SQLITE_CONSTRAINT ? ErrorCode::kConflict
                                                      : ErrorCode::kInternal;
  MUSE_THROW(ec, "sqlite: {}: {}", what, sqlite3_errmsg(db));
}

std::string artists_json(const std::vector<std::string>& a) { return nlohmann::json(a).dump(); }

std::vector<std::string> parse_artists(const std::string& s) {
  try {
    return nlohmann::json::parse(s).get<std::vector<std::string>>();
  } catch (...) {
    return {s};
  }
}

}  // namespace

// ---------------- Statement ----------------

Statement::Statement(sqlite3* db, const char* sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail(db, "prepare");
}
Statement::~Statement() { sqlite3_finalize(stmt_); }
Statement& Statement::bind(int i, const std::string& v) {
  if (sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) != SQLITE_OK) fail(db_, "bind");
  return *this;
}
Statement& Statement::bind(int i, int64_t v) {
  if (sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK) fail(db_, "bind");
  return *this;
}
Statement& Statement::bind(int i, double v) {
  if (sqlite3_bind_double(stmt_, i, v) != SQLITE_OK) fail(db_, "bind");
  return *this;
}
Statement& Statement::bind_blob(int i, const void* data, int n) {
  if (sqlite3_bind_blob(stmt_, i, data, n, SQLITE_TRANSIENT) != SQLITE_OK) fail(db_, "bind");
  return *this;
}
Statement& Statement::bind_null(int i) {
  if (sqlite3_bind_null(stmt_, i) != SQLITE_OK) fail(db_, "bind");
  return *this;
}
bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, "step");
}
void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}
std::string Statement::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : std::string();
}
int64_t Statement::integer(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::real(int col) const { return sqlite3_column_double(stmt_, col); }
bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
std::string Statement::blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  return p ? std::string(static_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : std::string();
}

// ---------------- Transaction ----------------

Transaction::Transaction(SqliteStore& s) : s_(s) { s_.exec("BEGIN IMMEDIATE"); }
Transaction::~Transaction() {
  if (!done_) sqlite3_exec(s_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}
void Transaction::commit() {
  s_.exec("COMMIT");
  done_ = true;
}

// ---------------- SqliteStore ----------------

SqliteStore::SqliteStore(const std::string& path, int migrate_to) : path_(path) {
  MUSE_CHECK_ARG(migrate_to >= 1 && migrate_to <= kSchemaVersion, "cannot migrate to schema {}", migrate_to);
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  // Our own mutex serialises use of the connection, so SQLite's per-call mutexes and
  // allocation statistics are pure overhead.
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    MUSE_THROW(ErrorCode::kUnavailable, "cannot open SQLite store {}: {}", path, msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA journal_mode=WAL");
  // FULL: every commit syncs the WAL, so an acknowledged feedback write survives power loss,
  // not just a process crash (NORMAL only guarantees the latter). Imports are one big
  // transaction, so the extra sync per commit costs them nothing noticeable.
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA foreign_keys=ON");
  exec("PRAGMA cache_size=-65536");  // 64 MiB: the catalogue's pages stay in memory
  migrate(migrate_to);
}

SqliteStore::~SqliteStore() { sqlite3_close_v2(db_); }

void SqliteStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    ErrorCode ec = (sqlite3_errcode(db_) == SQLITE_NOTADB || sqlite3_errcode(db_) == SQLITE_CORRUPT)
                       ? ErrorCode::kDataLoss
                       : ErrorCode::kInternal;
    MUSE_THROW(ec, "sqlite ({}): {}", path_, msg);
  }
}

int SqliteStore::schema_version() {
  Statement s(db_, "PRAGMA user_version");
  s.step();
  return static_cast<int>(s.integer(0));
}

void SqliteStore::migrate(int target) {
  std::lock_guard lock(mu_);
  int v = schema_version();
  if (v > kSchemaVersion) {
    MUSE_THROW(ErrorCode::kDataLoss, "store {} has schema version {}, this Muse knows up to {}; upgrade Muse",
               path_, v, kSchemaVersion);
  }
  if (v < 1) {
    Transaction tx(*this);
    exec(R"SQL(
      CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO meta(key, value) VALUES ('tracks_revision', '0');
      CREATE TABLE tracks(
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        artists TEXT NOT NULL,          -- JSON array, credit order
        album TEXT NOT NULL DEFAULT '',
        album_id TEXT NOT NULL DEFAULT '',
        release_date TEXT NOT NULL DEFAULT '',
        popularity INTEGER NOT NULL DEFAULT -1,
        explicit INTEGER NOT NULL DEFAULT -1,
        features BLOB NOT NULL,         -- float32[13], NaN = unknown
        name_key TEXT NOT NULL,         -- folded base title (no " - Remastered"), for ranking
        artist_key TEXT NOT NULL        -- folded primary artist
      );
      CREATE TABLE track_genres(
        track_id TEXT NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
        genre TEXT NOT NULL,
        PRIMARY KEY (track_id, genre)) WITHOUT ROWID;
      CREATE INDEX track_genres_genre ON track_genres(genre);
      CREATE VIRTUAL TABLE tracks_fts USING fts5(
        name, artists, album, tokenize = 'unicode61 remove_diacritics 2');
    )SQL");
    exec("PRAGMA user_version = 1");
    tx.commit();
    v = 1;
  }
  if (v < 2 && target >= 2) {
    Transaction tx(*this);
    exec(R"SQL(
      CREATE TABLE listeners(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL DEFAULT '',
        token_id TEXT NOT NULL UNIQUE,   -- public half of the API token
        token_salt TEXT NOT NULL,
        token_hash TEXT NOT NULL,        -- sha256(salt || ':' || secret), hex
        created_ms INTEGER NOT NULL);
      CREATE TABLE feedback(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        listener_id INTEGER NOT NULL REFERENCES listeners(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('like', 'dislike', 'skip', 'rating')),
        track_id TEXT NOT NULL DEFAULT '',
        artist TEXT NOT NULL DEFAULT '',
        rating INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),
        created_ms INTEGER NOT NULL,
        context TEXT NOT NULL DEFAULT '{}',
        request_id TEXT NOT NULL DEFAULT '');  -- client idempotency key, '' = none
      CREATE INDEX feedback_listener ON feedback(listener_id, id);
      CREATE UNIQUE INDEX feedback_request ON feedback(listener_id, request_id) WHERE request_id <> '';
      CREATE TABLE moods(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        listener_id INTEGER NOT NULL REFERENCES listeners(id) ON DELETE CASCADE,
        emotions TEXT NOT NULL,          -- JSON object label -> probability
        valence REAL NOT NULL,
        arousal REAL NOT NULL,
        text_hash TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT '',
        created_ms INTEGER NOT NULL);
      CREATE INDEX moods_listener ON moods(listener_id, id);
      CREATE TABLE conversations(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        listener_id INTEGER NOT NULL REFERENCES listeners(id) ON DELETE CASCADE,
        language TEXT NOT NULL DEFAULT '',
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL);
      CREATE INDEX conversations_listener ON conversations(listener_id, updated_ms);
      CREATE TABLE messages(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('listener', 'muse')),
        text TEXT NOT NULL,
        analysis TEXT NOT NULL DEFAULT '',
        created_ms INTEGER NOT NULL);
      CREATE INDEX messages_conversation ON messages(conversation_id, id);
    )SQL");
    exec("PRAGMA user_version = 2");
    tx.commit();
  }
  if (v < 3 && target >= 3) {
    // v3: playlists with their songs (in order) and tags. Songs are not foreign keys: a playlist
    // may name tracks that are not (yet) in the catalogue.
    Transaction tx(*this);
    exec(R"SQL(
      CREATE TABLE playlists(
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '');
      CREATE TABLE playlist_tracks(
        playlist_id TEXT NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        track_id TEXT NOT NULL,
        PRIMARY KEY (playlist_id, position)) WITHOUT ROWID;
      CREATE INDEX playlist_tracks_track ON playlist_tracks(track_id);
      CREATE TABLE playlist_tags(
        playlist_id TEXT NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        tag TEXT NOT NULL,
        PRIMARY KEY (playlist_id, position)) WITHOUT ROWID;
      INSERT OR IGNORE INTO meta(key, value) VALUES ('playlists_revision', '0');
    )SQL");
    exec("PRAGMA user_version = 3");
    tx.commit();
  }
}

UpsertStats SqliteStore::upsert_playlists(std::span<const cf::Playlist> playlists) {
  std::lock_guard lock(mu_);
  UpsertStats stats;
  Transaction tx(*this);
  Statement find(db_, "SELECT 1 FROM playlists WHERE id = ?1");
  Statement ins(db_, "INSERT INTO playlists(id, title) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET title = excluded.title");
  Statement del_t(db_, "DELETE FROM playlist_tracks WHERE playlist_id = ?1");
  Statement del_g(db_, "DELETE FROM playlist_tags WHERE playlist_id = ?1");
  Statement add_t(db_, "INSERT INTO playlist_tracks(playlist_id, position, track_id) VALUES (?1, ?2, ?3)");
  Statement add_g(db_, "INSERT INTO playlist_tags(playlist_id, position, tag) VALUES (?1, ?2, ?3)");
  for (const auto& p : playlists) {
    MUSE_CHECK_ARG(!p.id.empty(), "playlist without an id");
    MUSE_CHECK_ARG(is_valid_utf8(p.title), "playlist {}: title is not valid UTF-8", p.id);
    find.bind(1, p.id);
    bool existed = find.step();
    find.reset();
    ins.bind(1, p.id).bind(2, p.title);
    ins.step();
    ins.reset();
    del_t.bind(1, p.id);
    del_t.step();
    del_t.reset();
    del_g.bind(1, p.id);
    del_g.step();
    del_g.reset();
    for (size_t k = 0; k < p.tracks.size(); ++k) {
      add_t.bind(1, p.id).bind(2, static_cast<int64_t>(k)).bind(3, p.tracks[k]);
      add_t.step();
      add_t.reset();
    }
    for (size_t k = 0; k < p.tags.size(); ++k) {
      add_g.bind(1, p.id).bind(2, static_cast<int64_t>(k)).bind(3, p.tags[k]);
      add_g.step();
      add_g.reset();
    }
    ++(existed ? stats.updated : stats.inserted);
  }
  bump_counter("playlists_revision");
  tx.commit();
  return stats;
}

std::vector<cf::Playlist> SqliteStore::all_playlists() {
  std::lock_guard lock(mu_);
  std::vector<cf::Playlist> out;
  std::unordered_map<std::string, size_t> pos;
  Statement s(db_, "SELECT id, title FROM playlists ORDER BY id");
  while (s.step()) {
    pos.emplace(s.text(0), out.size());
    out.push_back({s.text(0), s.text(1), {}, {}});
  }
  Statement t(db_, "SELECT playlist_id, track_id FROM playlist_tracks ORDER BY playlist_id, position");
  while (t.step())
    if (auto it = pos.find(t.text(0)); it != pos.end()) out[it->second].tracks.push_back(t.text(1));
  Statement g(db_, "SELECT playlist_id, tag FROM playlist_tags ORDER BY playlist_id, position");
  while (g.step())
    if (auto it = pos.find(g.text(0)); it != pos.end()) out[it->second].tags.push_back(g.text(1));
  return out;
}

int64_t SqliteStore::playlist_count() {
  std::lock_guard lock(mu_);
  Statement s(db_, "SELECT COUNT(*) FROM playlists");
  s.step();
  return s.integer(0);
}

int64_t SqliteStore::playlists_revision() {
  std::lock_guard lock(mu_);
  return read_counter("playlists_revision");
}

UpsertStats SqliteStore::upsert_tracks(std::span<const catalog::Track> tracks) {
  std::lock_guard lock(mu_);
  UpsertStats stats;
  Transaction tx(*this);
  const int64_t before = count_tracks();
  Statement ins(db_, R"SQL(
    INSERT INTO tracks(id, name, artists, album, album_id, release_date, popularity, explicit,
                       features, name_key, artist_key)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
    ON CONFLICT(id) DO UPDATE SET
      name = excluded.name, artists = excluded.artists,
      album = CASE WHEN excluded.album <> '' THEN excluded.album ELSE album END,
      album_id = CASE WHEN excluded.album_id <> '' THEN excluded.album_id ELSE album_id END,
      release_date = CASE WHEN excluded.release_date <> '' THEN excluded.release_date ELSE release_date END,
      popularity = CASE WHEN excluded.popularity >= 0 THEN excluded.popularity ELSE popularity END,
      explicit = CASE WHEN excluded.explicit >= 0 THEN excluded.explicit ELSE explicit END,
      features = excluded.features, name_key = excluded.name_key, artist_key = excluded.artist_key
    RETURNING rowid)SQL");
  Statement genre(db_, "INSERT OR IGNORE INTO track_genres(track_id, genre) VALUES (?1, ?2)");
  Statement fts_del(db_, "DELETE FROM tracks_fts WHERE rowid = ?1");
  Statement fts_ins(db_, "INSERT INTO tracks_fts(rowid, name, artists, album) VALUES (?1, ?2, ?3, ?4)");
  struct FtsRow {
    int64_t rowid;
    const catalog::Track* track;
  };
  std::vector<FtsRow> fts_rows;
  fts_rows.reserve(tracks.size());
  for (const auto& t : tracks) {
    ins.bind(1, t.id).bind(2, t.name).bind(3, artists_json(t.artists)).bind(4, t.album)
        .bind(5, t.album_id).bind(6, t.release_date).bind(7, t.popularity).bind(8, t.explicit_)
        .bind_blob(9, t.features.data(), static_cast<int>(sizeof(float) * t.features.size()))
        .bind(10, fold_key(base_title(t.name))).bind(11, fold_key(t.primary_artist()));
    MUSE_CHECK(ins.step(), "upsert returned no rowid");
    int64_t rowid = ins.integer(0);
    ins.reset();
    for (const auto& g : t.genres) {
      genre.bind(1, t.id).bind(2, g);
      genre.step();
      genre.reset();
    }
    fts_rows.push_back({rowid, &t});
  }
  // FTS5 flushes its pending terms at every statement savepoint, so FTS writes interleaved
  // with other statements cost ~10x; do them in their own passes.
  stats.inserted = static_cast<size_t>(count_tracks() - before);
  stats.updated = tracks.size() - stats.inserted;
  for (const auto& r : fts_rows) {
    if (stats.updated == 0) break;  // fresh rows have nothing to delete
    fts_del.bind(1, r.rowid);
    fts_del.step();
    fts_del.reset();
  }
  for (const auto& r : fts_rows) {
    fts_ins.bind(1, r.rowid).bind(2, r.track->name).bind(3, join(r.track->artists, ", ")).bind(4, r.track->album);
    fts_ins.step();
    fts_ins.reset();
  }
  bump_counter("tracks_revision");
  tx.commit();
  return stats;
}

std::vector<catalog::Track> SqliteStore::load_tracks(const char* where_sql, const std::string* id) {
  std::string sql =
      "SELECT id, name, artists, album, album_id, release_date, popularity, explicit, features FROM tracks ";
  sql += where_sql;
  Statement s(db_, sql.c_str());
  if (id) s.bind(1, *id);
  std::vector<catalog::Track> out;
  std::unordered_map<std::string, size_t> pos;
  while (s.step()) {
    catalog::Track t;
    t.id = s.text(0);
    t.name = s.text(1);
    t.artists = parse_artists(s.text(2));
    t.album = s.text(3);
    t.album_id = s.text(4);
    t.release_date = s.text(5);
    t.popularity = static_cast<int>(s.integer(6));
    t.explicit_ = static_cast<int>(s.integer(7));
    std::string f = s.blob(8);
    std::memcpy(t.features.data(), f.data(), std::min(f.size(), sizeof(float) * t.features.size()));
    pos.emplace(t.id, out.size());
    out.push_back(std::move(t));
  }
  std::string gsql = id ? "SELECT track_id, genre FROM track_genres WHERE track_id = ?1 ORDER BY genre"
                        : "SELECT track_id, genre FROM track_genres ORDER BY track_id, genre";
  Statement g(db_, gsql.c_str());
  if (id) g.bind(1, *id);
  while (g.step()) {
    auto it = pos.find(g.text(0));
    if (it != pos.end()) out[it->second].genres.push_back(g.text(1));
  }
  return out;
}

std::optional<catalog::Track> SqliteStore::get_track(const std::string& id) {
  std::lock_guard lock(mu_);
  auto v = load_tracks("WHERE id = ?1", &id);
  if (v.empty()) return std::nullopt;
  return std::move(v.front());
}

std::vector<catalog::Track> SqliteStore::all_tracks() {
  std::lock_guard lock(mu_);
  return load_tracks("ORDER BY id", nullptr);
}

int64_t SqliteStore::track_count() {
  std::lock_guard lock(mu_);
  return count_tracks();
}

int64_t SqliteStore::read_counter(const std::string& key) {
  Statement s(db_, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?1");
  s.bind(1, key);
  return s.step() ? s.integer(0) : 0;
}

void SqliteStore::bump_counter(const std::string& key) {
  Statement s(db_, "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = ?1");
  s.bind(1, key);
  s.step();
}

int64_t SqliteStore::count_tracks() {
  Statement s(db_, "SELECT COUNT(*) FROM tracks");
  s.step();
  return s.integer(0);
}

int64_t SqliteStore::tracks_revision() {
  std::lock_guard lock(mu_);
  return read_counter("tracks_revision");
}

std::vector<SearchHit> SqliteStore::search_tracks(const std::string& query, int limit) {
  MUSE_CHECK_ARG(limit >= 1 && limit <= 1000, "limit must be between 1 and 1000, got {}", limit);
  auto tokens = search_tokens(query);
  std::string match;
  for (const auto& tok : tokens) {
    if (!match.empty()) match += " ";
    match += "\"" + tok + "\"*";
  }
  std::string key = fold_key(query);
  std::lock_guard lock(mu_);
  // Exact name/artist matches first, then prefix matches, then bm25 blended with popularity.
  Statement s(db_, R"SQL(
    SELECT t.id, (CASE WHEN t.name_key = ?2 OR t.artist_key = ?2 THEN 2
                       WHEN substr(t.name_key, 1, length(?2)) = ?2
                         OR substr(t.artist_key, 1, length(?2)) = ?2 THEN 1 ELSE 0 END) AS tier,
           -bm25(tracks_fts, 10.0, 6.0, 2.0) AS rel, t.popularity
    FROM tracks_fts JOIN tracks t ON t.rowid = tracks_fts.rowid
    WHERE tracks_fts MATCH ?1
    ORDER BY tier DESC, rel + 0.08 * MAX(t.popularity, 0) DESC, t.id
    LIMIT ?3)SQL");
  s.bind(1, match).bind(2, key).bind(3, limit);
  std::vector<std::pair<std::string, double>> ids;
  while (s.step()) {
    ids.emplace_back(s.text(0), s.integer(1) * 1000.0 + s.real(2) + 0.08 * std::max<int64_t>(0, s.integer(3)));
  }
  std::vector<SearchHit> hits;
  for (auto& [id, score] : ids) {
    auto v = load_tracks("WHERE id = ?1", &id);
    if (!v.empty()) hits.push_back({std::move(v.front()), score});
  }
  return hits;
}

// ---------------- listeners ----------------

NewListener SqliteStore::create_listener(const std::string& name) {
  validate_listener_name(name);
  IssuedToken tok = issue_token();
  std::lock_guard lock(mu_);
  Statement s(db_, R"SQL(
    INSERT INTO listeners(name, token_id, token_salt, token_hash, created_ms)
    VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id)SQL");
  int64_t now = listeners::now_ms();
  s.bind(1, name).bind(2, tok.token_id).bind(3, tok.salt).bind(4, tok.hash).bind(5, now);
  MUSE_CHECK(s.step(), "insert listener returned no id");
  NewListener out{{s.integer(0), name, now}, tok.token};
  s.reset();
  return out;
}

std::optional<Listener> SqliteStore::authenticate(const std::string& token) {
  auto parts = parse_token(token);
  if (!parts) return std::nullopt;
  std::lock_guard lock(mu_);
  Statement s(db_, "SELECT id, name, created_ms, token_salt, token_hash FROM listeners WHERE token_id = ?1");
  s.bind(1, parts->token_id);
  if (!s.step()) {
    burn_verify(parts->secret);
    return std::nullopt;
  }
  if (!verify_secret(s.text(3), parts->secret, s.text(4))) return std::nullopt;
  return Listener{s.integer(0), s.text(1), s.integer(2)};
}

std::optional<Listener> SqliteStore::get_listener(int64_t listener_id) {
  std::lock_guard lock(mu_);
  Statement s(db_, "SELECT id, name, created_ms FROM listeners WHERE id = ?1");
  s.bind(1, listener_id);
  if (!s.step()) return std::nullopt;
  return Listener{s.integer(0), s.text(1), s.integer(2)};
}

int64_t SqliteStore::listener_count() {
  std::lock_guard lock(mu_);
  Statement s(db_, "SELECT COUNT(*) FROM listeners");
  s.step();
  return s.integer(0);
}

std::vector<Listener> SqliteStore::list_listeners(int limit, int64_t after_id) {
  check_limit(limit);
  std::lock_guard lock(mu_);
  Statement s(db_, "SELECT id, name, created_ms FROM listeners WHERE id > ?1 ORDER BY id LIMIT ?2");
  s.bind(1, after_id).bind(2, limit);
  std::vector<Listener> out;
  while (s.step()) out.push_back({s.integer(0), s.text(1), s.integer(2)});
  return out;
}

bool SqliteStore::delete_listener(int64_t listener_id) {
  std::lock_guard lock(mu_);
  Transaction tx(*this);
  // messages -> conversations -> listeners cascade through the foreign keys.
  Statement s(db_, "DELETE FROM listeners WHERE id = ?1");
  s.bind(1, listener_id);
  s.step();
  bool gone = sqlite3_changes(db_) > 0;
  tx.commit();
  return gone;
}

namespace {
void require_listener(sqlite3* db, int64_t listener_id) {
  Statement s(db, "SELECT 1 FROM listeners WHERE id = ?1");
  s.bind(1, listener_id);
  if (!s.step()) MUSE_THROW(ErrorCode::kNotFound, "no listener {}", listener_id);
}
constexpr const char* kFeedbackCols =
    "id, listener_id, kind, track_id, artist, rating, created_ms, context, request_id";
}  // namespace

int64_t SqliteStore::add_feedback(int64_t listener_id, const listeners::Feedback& f) {
  listeners::validate_feedback(f);
  PendingFeedback me;
  me.listener_id = listener_id;
  me.feedback = &f;
  me.created_ms = f.created_ms ? f.created_ms : listeners::now_ms();
  std::unique_lock lk(feedback_mu_);
  feedback_queue_.push_back(&me);
  while (!me.done) {
    if (feedback_leader_) {
      feedback_cv_.wait(lk);
      continue;
    }
    // Lead: take everything queued so far (at most 512) and commit it in one transaction.
    feedback_leader_ = true;
    size_t take = std::min<size_t>(feedback_queue_.size(), 512);
    std::vector<PendingFeedback*> batch(feedback_queue_.begin(), feedback_queue_.begin() + take);
    feedback_queue_.erase(feedback_queue_.begin(), feedback_queue_.begin() + take);
    lk.unlock();
    commit_feedback_batch(batch);
    lk.lock();
    for (auto* p : batch) p->done = true;
    feedback_leader_ = false;
    feedback_cv_.notify_all();
  }
  if (me.error) std::rethrow_exception(me.error);
  return me.id;
}

void SqliteStore::commit_feedback_batch(const std::vector<PendingFeedback*>& batch) {
  std::lock_guard lock(mu_);
  auto write_all = [&](const std::vector<PendingFeedback*>& items) {
    Transaction tx(*this);
    Statement known(db_, "SELECT 1 FROM listeners WHERE id = ?1");
    Statement ins(db_, R"SQL(
      INSERT INTO feedback(listener_id, kind, track_id, artist, rating, created_ms, context, request_id)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
      ON CONFLICT (listener_id, request_id) WHERE request_id <> '' DO NOTHING
      RETURNING id)SQL");
    Statement again(db_, "SELECT id FROM feedback WHERE listener_id = ?1 AND request_id = ?2");
    std::vector<int64_t> ids(items.size(), 0);
    for (size_t i = 0; i < items.size(); ++i) {
      const auto& p = *items[i];
      known.bind(1, p.listener_id);
      bool exists = known.step();
      known.reset();
      if (!exists) continue;  // reported per item below
      const auto& f = *p.feedback;
      ins.bind(1, p.listener_id).bind(2, std::string(listeners::feedback_kind_name(f.kind))).bind(3, f.track_id)
          .bind(4, f.artist).bind(5, f.rating).bind(6, p.created_ms).bind(7, stored_context(f.context))
          .bind(8, f.request_id);
      if (ins.step()) {
        ids[i] = ins.integer(0);
        ins.reset();
      } else {  // a retry of an earlier write: its id
        ins.reset();
        again.bind(1, p.listener_id).bind(2, f.request_id);
        MUSE_CHECK(again.step(), "feedback request id conflict without a row");
        ids[i] = again.integer(0);
        again.reset();
      }
    }
    // synchronous=FULL: the WAL is synced before COMMIT returns, so every id is durable.
    tx.commit();
    for (size_t i = 0; i < items.size(); ++i) {
      items[i]->id = ids[i];
      if (!ids[i]) {
        items[i]->error = std::make_exception_ptr(
            MuseError(ErrorCode::kNotFound, fmt::format("no listener {}", items[i]->listener_id)));
      }
    }
  };
  try {
    write_all(batch);
  } catch (...) {
    // Something failed for the whole batch (disk full, busy...): retry one by one so each
    // writer gets its own outcome and a single bad write cannot fail its neighbours.
    if (batch.size() == 1) {
      batch[0]->error = std::current_exception();
      return;
    }
    for (auto* p : batch) {
      try {
        write_all({p});
      } catch (...) {
        p->error = std::current_exception();
      }
    }
  }
}

std::vector<listeners::Feedback> SqliteStore::read_feedback(Statement& s) {
  std::vector<listeners::Feedback> out;
  while (s.step()) {
    listeners::Feedback f;
    f.id = s.integer(0);
    f.listener_id = s.integer(1);
    f.kind = listeners::parse_feedback_kind(s.text(2));
    f.track_id = s.text(3);
    f.artist = s.text(4);
    f.rating = static_cast<int>(s.integer(5));
    f.created_ms = s.integer(6);
    f.context = s.text(7);
    f.request_id = s.text(8);
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<listeners::Feedback> SqliteStore::list_feedback(int64_t listener_id, const FeedbackPage& page) {
  check_limit(page.limit);
  MUSE_CHECK_ARG(page.before_id >= 0, "before_id must be >= 0");
  std::lock_guard lock(mu_);
  std::string sql = fmt::format(
      "SELECT {} FROM feedback WHERE listener_id = ?1 AND (?2 = 0 OR id < ?2) ORDER BY id DESC LIMIT ?3",
      kFeedbackCols);
  Statement s(db_, sql.c_str());
  s.bind(1, listener_id).bind(2, page.before_id).bind(3, page.limit);
  return read_feedback(s);
}

std::vector<listeners::Feedback> SqliteStore::all_feedback(int64_t listener_id) {
  std::lock_guard lock(mu_);
  std::string sql = fmt::format("SELECT {} FROM feedback WHERE listener_id = ?1 ORDER BY id", kFeedbackCols);
  Statement s(db_, sql.c_str());
  s.bind(1, listener_id);
  return read_feedback(s);
}

int64_t SqliteStore::feedback_count(int64_t listener_id) {
  std::lock_guard lock(mu_);
  Statement s(db_, "SELECT COUNT(*) FROM feedback WHERE listener_id = ?1");
  s.bind(1, listener_id);
  s.step();
  return s.integer(0);
}

bool SqliteStore::delete_feedback(int64_t listener_id, int64_t feedback_id) {
  std::lock_guard lock(mu_);
  Statement s(db_, "DELETE FROM feedback WHERE id = ?1 AND listener_id = ?2");
  s.bind(1, feedback_id).bind(2, listener_id);
  s.step();
  return sqlite3_changes(db_) > 0;
}

// ---------------- moods ----------------

int64_t SqliteStore::add_mood(int64_t listener_id, const listeners::MoodEntry& m) {
  listeners::validate_mood(m);
  std::lock_guard lock(mu_);
  require_listener(db_, listener_id);
  Statement s(db_, R"SQL(
    INSERT INTO moods(listener_id, emotions, valence, arousal, text_hash, source, created_ms)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id)SQL");
  s.bind(1, listener_id).bind(2, emotions_to_json(m.emotions)).bind(3, m.valence).bind(4, m.arousal)
      .bind(5, m.text_hash).bind(6, m.source).bind(7, m.created_ms ? m.created_ms : listeners::now_ms());
  MUSE_CHECK(s.step(), "insert mood returned no id");
  int64_t id = s.integer(0);
  s.reset();
  return id;
}

std::vector<listeners::MoodEntry> SqliteStore::read_moods(Statement& s) {
  std::vector<listeners::MoodEntry> out;
  while (s.step()) {
    listeners::MoodEntry m;
    m.id = s.integer(0);
    m.listener_id = s.integer(1);
    m.emotions = emotions_from_json(s.text(2), m.id);
    m.valence = s.real(3);
    m.arousal = s.real(4);
    m.text_hash = s.text(5);
    m.source = s.text(6);
    m.created_ms = s.integer(7);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<listeners::MoodEntry> SqliteStore::list_moods(int64_t listener_id, int limit) {
  check_limit(limit);
  std::lock_guard lock(mu_);
  Statement s(db_, R"SQL(
    SELECT id, listener_id, emotions, valence, arousal, text_hash, source, created_ms
    FROM moods WHERE listener_id = ?1 ORDER BY id DESC LIMIT ?2)SQL");
  s.bind(1, listener_id).bind(2, limit);
  return read_moods(s);
}

std::vector<CommunitySignal> SqliteStore::community_signals(int64_t exclude_listener_id, int max_listeners,
                                                            int moods_each, int likes_each) {
  check_limit(max_listeners);
  check_limit(moods_each);
  check_limit(likes_each);
  std::lock_guard lock(mu_);
  Statement who(db_, R"SQL(
    SELECT listener_id FROM moods WHERE listener_id <> ?1
    GROUP BY listener_id ORDER BY MAX(id) DESC LIMIT ?2)SQL");
  who.bind(1, exclude_listener_id).bind(2, max_listeners);
  std::vector<CommunitySignal> out;
  while (who.step()) out.push_back({who.integer(0), {}, {}});
  Statement moods(db_, R"SQL(
    SELECT id, listener_id, emotions, valence, arousal, text_hash, source, created_ms
    FROM moods WHERE listener_id = ?1 ORDER BY id DESC LIMIT ?2)SQL");
  Statement likes(db_, R"SQL(
    SELECT track_id FROM feedback
    WHERE listener_id = ?1 AND track_id <> '' AND (kind = 'like' OR (kind = 'rating' AND rating >= 4))
    ORDER BY id DESC LIMIT ?2)SQL");
  for (auto& c : out) {
    moods.bind(1, c.listener_id).bind(2, moods_each);
    c.moods = read_moods(moods);
    moods.reset();
    likes.bind(1, c.listener_id).bind(2, likes_each);
    while (likes.step()) c.liked_track_ids.push_back(likes.text(0));
    likes.reset();
  }
  return out;
}

// ---------------- conversations ----------------

namespace {
listeners::Conversation read_conversation(const Statement& s) {
  return {s.integer(0), s.integer(1), s.text(2), s.integer(3), s.integer(4)};
}
}  // namespace

listeners::Conversation SqliteStore::create_conversation(int64_t listener_id, const std::string& language) {
  check_language(language);
  std::lock_guard lock(mu_);
  require_listener(db_, listener_id);
  int64_t now = listeners::now_ms();
  Statement s(db_, R"SQL(
    INSERT INTO conversations(listener_id, language, created_ms, updated_ms)
    VALUES (?1, ?2, ?3, ?3) RETURNING id)SQL");
  s.bind(1, listener_id).bind(2, language).bind(3, now);
  MUSE_CHECK(s.step(), "insert conversation returned no id");
  listeners::Conversation c{s.integer(0), listener_id, language, now, now};
  s.reset();
  return c;
}

std::optional<listeners::Conversation> SqliteStore::get_conversation(int64_t listener_id,
                                                                     int64_t conversation_id) {
  std::lock_guard lock(mu_);
  Statement s(db_, R"SQL(
    SELECT id, listener_id, language, created_ms, updated_ms FROM conversations
    WHERE id = ?1 AND listener_id = ?2)SQL");
  s.bind(1, conversation_id).bind(2, listener_id);
  if (!s.step()) return std::nullopt;
  return read_conversation(s);
}

std::vector<listeners::Conversation> SqliteStore::list_conversations(int64_t listener_id, int limit) {
  check_limit(limit);
  std::lock_guard lock(mu_);
  Statement s(db_, R"SQL(
    SELECT id, listener_id, language, created_ms, updated_ms FROM conversations
    WHERE listener_id = ?1 ORDER BY updated_ms DESC, id DESC LIMIT ?2)SQL");
  s.bind(1, listener_id).bind(2, limit);
  std::vector<listeners::Conversation> out;
  while (s.step()) out.push_back(read_conversation(s));
  return out;
}

int64_t SqliteStore::add_message(int64_t listener_id, int64_t conversation_id, const listeners::Message& m) {
  listeners::validate_message(m);
  std::lock_guard lock(mu_);
  Transaction tx(*this);
  int64_t now = m.created_ms ? m.created_ms : listeners::now_ms();
  Statement touch(db_, "UPDATE conversations SET updated_ms = MAX(updated_ms, ?3) WHERE id = ?1 AND listener_id = ?2");
  touch.bind(1, conversation_id).bind(2, listener_id).bind(3, now);
  touch.step();
  if (sqlite3_changes(db_) == 0) {
    MUSE_THROW(ErrorCode::kNotFound, "no conversation {} for this listener", conversation_id);
  }
  Statement s(db_, R"SQL(
    INSERT INTO messages(conversation_id, role, text, analysis, created_ms)
    VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id)SQL");
  s.bind(1, conversation_id).bind(2, m.role).bind(3, m.text).bind(4, m.analysis).bind(5, now);
  MUSE_CHECK(s.step(), "insert message returned no id");
  int64_t id = s.integer(0);
  s.reset();
  tx.commit();
  return id;
}

std::vector<listeners::Message> SqliteStore::list_messages(int64_t listener_id, int64_t conversation_id,
                                                           int limit) {
  check_limit(limit);
  std::lock_guard lock(mu_);
  Statement own(db_, "SELECT 1 FROM conversations WHERE id = ?1 AND listener_id = ?2");
  own.bind(1, conversation_id).bind(2, listener_id);
  if (!own.step()) MUSE_THROW(ErrorCode::kNotFound, "no conversation {} for this listener", conversation_id);
  Statement s(db_, R"SQL(
    SELECT id, conversation_id, role, text, analysis, created_ms FROM (
      SELECT * FROM messages WHERE conversation_id = ?1 ORDER BY id DESC LIMIT ?2) ORDER BY id)SQL");
  s.bind(1, conversation_id).bind(2, limit);
  std::vector<listeners::Message> out;
  while (s.step()) {
    out.push_back({s.integer(0), s.integer(1), s.text(2), s.text(3), s.text(4), s.integer(5)});
  }
  return out;
}

std::vector<std::string> search_tokens(const std::string& query) {
  MUSE_CHECK_ARG(query.size() <= 1000, "search query too long ({} bytes, max 1000)", query.size());
  MUSE_CHECK_ARG(is_valid_utf8(query), "search query is not valid UTF-8");
  auto tokens = split(fold_key(query), ' ');
  MUSE_CHECK_ARG(!tokens.empty(), "search query is empty (no letters or digits)");
  if (tokens.size() > 16) tokens.resize(16);
  return tokens;
}

}  // namespace muse::storage
