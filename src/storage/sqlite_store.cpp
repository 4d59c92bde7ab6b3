#include "storage/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <unordered_map>

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

SqliteStore::SqliteStore(const std::string& path) : path_(path) {
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    MUSE_THROW(ErrorCode::kUnavailable, "cannot open SQLite store {}: {}", path, msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");
  exec("PRAGMA foreign_keys=ON");
  migrate();
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

void SqliteStore::migrate() {
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
        name_key TEXT NOT NULL,         -- folded name, for exact/prefix ranking
        artist_key TEXT NOT NULL        -- folded primary artist
      );
      CREATE TABLE track_genres(
        track_id TEXT NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
        genre TEXT NOT NULL,
        PRIMARY KEY (track_id, genre)) WITHOUT ROWID;
      CREATE INDEX track_genres_genre ON track_genres(genre);
      CREATE VIRTUAL TABLE tracks_fts USING fts5(
        name, artists, album, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
    )SQL");
    exec("PRAGMA user_version = 1");
    tx.commit();
  }
  if (v < 2) {
    // v2: playlists with their songs (in order) and tags. Songs are not foreign keys: a playlist
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
    exec("PRAGMA user_version = 2");
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
  exec("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'playlists_revision'");
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
  Statement s(db_, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'playlists_revision'");
  return s.step() ? s.integer(0) : 0;
}

UpsertStats SqliteStore::upsert_tracks(std::span<const catalog::Track> tracks) {
  std::lock_guard lock(mu_);
  UpsertStats stats;
  Transaction tx(*this);
  Statement find(db_, "SELECT rowid FROM tracks WHERE id = ?1");
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
  for (const auto& t : tracks) {
    find.bind(1, t.id);
    bool existed = find.step();
    find.reset();
    ins.bind(1, t.id).bind(2, t.name).bind(3, artists_json(t.artists)).bind(4, t.album)
        .bind(5, t.album_id).bind(6, t.release_date).bind(7, t.popularity).bind(8, t.explicit_)
        .bind_blob(9, t.features.data(), static_cast<int>(sizeof(float) * t.features.size()))
        .bind(10, fold_key(t.name)).bind(11, fold_key(t.primary_artist()));
    MUSE_CHECK(ins.step(), "upsert returned no rowid");
    int64_t rowid = ins.integer(0);
    ins.reset();
    for (const auto& g : t.genres) {
      genre.bind(1, t.id).bind(2, g);
      genre.step();
      genre.reset();
    }
    if (existed) {
      fts_del.bind(1, rowid);
      fts_del.step();
      fts_del.reset();
      ++stats.updated;
    } else {
      ++stats.inserted;
    }
    fts_ins.bind(1, rowid).bind(2, t.name).bind(3, join(t.artists, ", ")).bind(4, t.album);
    fts_ins.step();
    fts_ins.reset();
  }
  exec("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'tracks_revision'");
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
  Statement s(db_, "SELECT COUNT(*) FROM tracks");
  s.step();
  return s.integer(0);
}

int64_t SqliteStore::tracks_revision() {
  std::lock_guard lock(mu_);
  Statement s(db_, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'tracks_revision'");
  return s.step() ? s.integer(0) : 0;
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

std::vector<std::string> search_tokens(const std::string& query) {
  MUSE_CHECK_ARG(query.size() <= 1000, "search query too long ({} bytes, max 1000)", query.size());
  MUSE_CHECK_ARG(is_valid_utf8(query), "search query is not valid UTF-8");
  auto tokens = split(fold_key(query), ' ');
  MUSE_CHECK_ARG(!tokens.empty(), "search query is empty (no letters or digits)");
  if (tokens.size() > 16) tokens.resize(16);
  return tokens;
}

}  // namespace muse::storage
