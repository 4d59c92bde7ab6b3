#include "storage/pg_store.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <thread>
#include <unordered_map>

#include "storage/records.h"
#include "storage/token.h"
#include "util/error.h"
#include "util/sha256.h"
#include "util/text.h"

namespace muse::storage {

// ---------------- URL handling ----------------

std::string redact_pg_url(const std::string& url) {
  // scheme://user:password@host... -> scheme://user:***@host...
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  size_t at = url.find('@', scheme + 3);
  size_t slash = url.find('/', scheme + 3);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return url;
  size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

std::string pg_conninfo(const std::string& url, int* pool_size) {
  *pool_size = 16;
  size_t q = url.find('?');
  std::string base = url.substr(0, q);
  std::vector<std::string> keep;
  bool has_timeout = false;
  if (q != std::string::npos) {
    for (const auto& kv : split(url.substr(q + 1), '&')) {
      if (kv.rfind("pool_size=", 0) == 0) {
        try {
          *pool_size = std::stoi(kv.substr(10));
        } catch (...) {
          *pool_size = 0;
        }
        MUSE_CHECK_ARG(*pool_size >= 1 && *pool_size <= 64,
                       "pool_size must be 1..64 in the store URL");
        continue;
      }
      if (kv.rfind("connect_timeout=", 0) == 0) has_timeout = true;
      keep.push_back(kv);
    }
  }
  if (!has_timeout) keep.push_back("connect_timeout=5");
  return base + "?" + join(keep, "&");
}

// ---------------- connection pool ----------------

class PgPool {
 public:
  PgPool(std::string conninfo, std::string display, int size)
      : conninfo_(std::move(conninfo)), display_(std::move(display)), max_(size) {}

  struct Lease {
    PgPool* pool = nullptr;
    std::unique_ptr<pqxx::connection> conn;
    bool broken = false;
    Lease() = default;
    Lease(Lease&& o) noexcept : pool(o.pool), conn(std::move(o.conn)), broken(o.broken) {
      o.pool = nullptr;
    }
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool) pool->give_back(std::move(conn), broken);
    }
  };

  /// Waits (first come, first served, so no caller starves under load) for an idle connection
  /// or room to open one.
  Lease acquire() {
    std::unique_lock lock(mu_);
    auto can_take = [&] { return !idle_.empty() || open_ < max_; };
    if (!waiters_.empty() || !can_take()) {
      std::condition_variable me;
      waiters_.push_back(&me);
      bool ok = me.wait_for(lock, std::chrono::seconds(30),
                            [&] { return waiters_.front() == &me && can_take(); });
      waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &me));
      if (!waiters_.empty()) waiters_.front()->notify_one();
      if (!ok) {
        MUSE_THROW(ErrorCode::kUnavailable,
                   "PostgreSQL store {}: all {} pooled connections busy for 30 s", display_, max_);
      }
    }
    Lease l;
    l.pool = this;
    if (!idle_.empty()) {
      l.conn = std::move(idle_.back());
      idle_.pop_back();
      return l;
    }
    ++open_;
    lock.unlock();
    try {
      l.conn = std::make_unique<pqxx::connection>(conninfo_);
    } catch (const std::exception& e) {
      l.pool = nullptr;
      {
        std::lock_guard g(mu_);
        --open_;
        if (!waiters_.empty()) waiters_.front()->notify_one();
      }
      MUSE_THROW(ErrorCode::kUnavailable, "cannot connect to PostgreSQL store {}: {}", display_,
                 first_line(e.what()));
    }
    return l;
  }

  void give_back(std::unique_ptr<pqxx::connection> c, bool broken) {
    std::lock_guard g(mu_);
    if (c && !broken && c->is_open()) {
      idle_.push_back(std::move(c));
    } else {
      --open_;
    }
    if (!waiters_.empty()) waiters_.front()->notify_one();
  }

  /// Drops idle connections (after one turned out dead, the rest probably are too).
  void drop_idle() {
    std::vector<std::unique_ptr<pqxx::connection>> old;
    std::lock_guard g(mu_);
    old.swap(idle_);
    open_ -= static_cast<int>(old.size());
    if (!waiters_.empty()) waiters_.front()->notify_one();
  }

  const std::string& display() const { return display_; }

  static std::string first_line(const char* what) {
    std::string s = what;
    size_t nl = s.find('\n');
    if (nl != std::string::npos) s.resize(nl);
    return s;
  }

 private:
  std::string conninfo_, display_;
  int max_;
  std::mutex mu_;
  std::deque<std::condition_variable*> waiters_;  // FIFO of callers waiting for a connection
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  int open_ = 0;
};

namespace {

/// A revision counter of the meta table (0 before the first bump).
int64_t meta_counter(pqxx::work& w, const char* key) {
  pqxx::result r = w.exec_params("SELECT value FROM meta WHERE key = $1", key);
  return r.empty() ? int64_t{0} : r[0][0].as<int64_t>();
}

/// Runs `f(work)` in one transaction on a pooled connection and commits. Maps libpqxx
/// failures to MuseError; retries once when the pooled connection was dead before anything
/// was committed, and up to 5 times on serialization failures/deadlocks.
template <class F>
auto run_tx(PgPool& pool, const char* what, F&& f) -> decltype(f(std::declval<pqxx::work&>())) {
  for (int attempt = 0;; ++attempt) {
    auto lease = pool.acquire();
    try {
      pqxx::work w(*lease.conn);
      auto r = f(w);
      w.commit();
      return r;
    } catch (const MuseError&) {
      throw;
    } catch (const pqxx::in_doubt_error& e) {
      lease.broken = true;
      MUSE_THROW(ErrorCode::kUnavailable,
                 "PostgreSQL store {}: connection lost while committing {}; "
                 "the outcome is unknown: {}",
                 pool.display(), what, PgPool::first_line(e.what()));
    } catch (const pqxx::broken_connection& e) {
      lease.broken = true;
      pool.drop_idle();
      if (attempt == 0) continue;
      MUSE_THROW(ErrorCode::kUnavailable, "PostgreSQL store {} unreachable during {}: {}",
                 pool.display(), what, PgPool::first_line(e.what()));
    } catch (const pqxx::sql_error& e) {
      const std::string& st = e.sqlstate();
      if ((st == "40001" || st == "40P01") && attempt < 5) continue;
      if (st.rfind("57P", 0) == 0 ||
          st.rfind("08", 0) == 0) {  // admin shutdown / connection exception
        lease.broken = true;
        pool.drop_idle();
        if (attempt == 0) continue;
        MUSE_THROW(ErrorCode::kUnavailable, "PostgreSQL store {} unavailable during {}: {}",
                   pool.display(), what, PgPool::first_line(e.what()));
      }
      ErrorCode code = st == "23505"                             ? ErrorCode::kConflict
                       : st == "23503"                           ? ErrorCode::kNotFound
                       : st.rfind("22", 0) == 0 || st == "23514" ? ErrorCode::kInvalidArgument
                                                                 : ErrorCode::kInternal;
      MUSE_THROW(code, "PostgreSQL store: {} failed ({}): {}", what, st,
                 PgPool::first_line(e.what()));
    } catch (const pqxx::failure& e) {
      lease.broken = true;
      MUSE_THROW(ErrorCode::kInternal, "PostgreSQL store: {} failed: {}", what,
                 PgPool::first_line(e.what()));
    }
  }
}

std::string features_hex(const catalog::Track& t) {
  return to_hex(reinterpret_cast<const uint8_t*>(t.features.data()),
                sizeof(float) * t.features.size());
}

void features_from_hex(const std::string& hex, catalog::Track& t) {
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<uint8_t> bytes(hex.size() / 2);
  for (size_t i = 0; i < bytes.size(); ++i) {
    int hi = nib(hex[2 * i]), lo = nib(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) MUSE_THROW(ErrorCode::kDataLoss, "track {} has corrupt features", t.id);
    bytes[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  std::memcpy(t.features.data(), bytes.data(),
              std::min(bytes.size(), sizeof(float) * t.features.size()));
}

std::vector<std::string> parse_artists(const std::string& s) {
  try {
    return nlohmann::json::parse(s).get<std::vector<std::string>>();
  } catch (...) {
    return {s};
  }
}

std::vector<std::string> folded_artists(const catalog::Track& t) {
  std::vector<std::string> v;
  for (const auto& a : t.artists) v.push_back(fold_key(a));
  return v;
}

constexpr const char* kTrackCols =
    "id, name, artists, album, album_id, release_date, popularity, explicit, encode(features, "
    "'hex')";

std::vector<catalog::Track> read_tracks(pqxx::work& w, const pqxx::result& r, bool all) {
  std::vector<catalog::Track> out;
  out.reserve(r.size());
  std::unordered_map<std::string, size_t> pos;
  for (const auto& row : r) {
    catalog::Track t;
    t.id = row[0].as<std::string>();
    t.name = row[1].as<std::string>();
    t.artists = parse_artists(row[2].as<std::string>());
    t.album = row[3].as<std::string>();
    t.album_id = row[4].as<std::string>();
    t.release_date = row[5].as<std::string>();
    t.popularity = row[6].as<int>();
    t.explicit_ = row[7].as<int>();
    features_from_hex(row[8].as<std::string>(), t);
    pos.emplace(t.id, out.size());
    out.push_back(std::move(t));
  }
  if (out.empty()) return out;
  pqxx::result g =
      all ? w.exec("SELECT track_id, genre FROM track_genres ORDER BY track_id, genre")
          : w.exec_params(
                "SELECT track_id, genre FROM track_genres WHERE track_id = $1 ORDER BY genre",
                out.front().id);
  for (const auto& row : g) {
    auto it = pos.find(row[0].as<std::string>());
    if (it != pos.end()) out[it->second].genres.push_back(row[1].as<std::string>());
  }
  return out;
}

void require_listener(pqxx::work& w, int64_t listener_id) {
  if (w.exec_params("SELECT 1 FROM listeners WHERE id = $1", listener_id).empty()) {
    MUSE_THROW(ErrorCode::kNotFound, "no listener {}", listener_id);
  }
}

constexpr const char* kFeedbackCols =
    "id, listener_id, kind, track_id, artist, rating, created_ms, context, request_id";

std::vector<listeners::Feedback> read_feedback(const pqxx::result& r) {
  std::vector<listeners::Feedback> out;
  out.reserve(r.size());
  for (const auto& row : r) {
    listeners::Feedback f;
    f.id = row[0].as<int64_t>();
    f.listener_id = row[1].as<int64_t>();
    f.kind = listeners::parse_feedback_kind(row[2].as<std::string>());
    f.track_id = row[3].as<std::string>();
    f.artist = row[4].as<std::string>();
    f.rating = row[5].as<int>();
    f.created_ms = row[6].as<int64_t>();
    f.context = row[7].as<std::string>();
    f.request_id = row[8].as<std::string>();
    out.push_back(std::move(f));
  }
  return out;
}

constexpr const char* kMoodCols =
    "id, listener_id, emotions, valence, arousal, text_hash, source, created_ms";

std::vector<listeners::MoodEntry> read_moods(const pqxx::result& r) {
  std::vector<listeners::MoodEntry> out;
  for (const auto& row : r) {
    listeners::MoodEntry m;
    m.id = row[0].as<int64_t>();
    m.listener_id = row[1].as<int64_t>();
    m.emotions = emotions_from_json(row[2].as<std::string>(), m.id);
    m.valence = row[3].as<double>();
    m.arousal = row[4].as<double>();
    m.text_hash = row[5].as<std::string>();
    m.source = row[6].as<std::string>();
    m.created_ms = row[7].as<int64_t>();
    out.push_back(std::move(m));
  }
  return out;
}

listeners::Conversation read_conversation(const pqxx::row& row) {
  return {row[0].as<int64_t>(), row[1].as<int64_t>(), row[2].as<std::string>(),
          row[3].as<int64_t>(), row[4].as<int64_t>()};
}

/// Doubles as text that round-trips exactly (17 significant digits).
std::string exact_double(double v) { return fmt::format("{:.17g}", v); }

}  // namespace

// ---------------- PgStore ----------------

PgStore::PgStore(const std::string& url, int migrate_to) {
  MUSE_CHECK_ARG(migrate_to >= 1 && migrate_to <= kSchemaVersion, "cannot migrate to schema {}",
                 migrate_to);
  int pool_size = 16;
  std::string conninfo = pg_conninfo(url, &pool_size);
  pool_ = std::make_unique<PgPool>(conninfo, redact_pg_url(url), pool_size);
  // Connect now so a wrong URL fails here, with the reason, not on the first request.
  { auto lease = pool_->acquire(); }
  migrate(migrate_to);
}

PgStore::~PgStore() = default;

const std::string& PgStore::display_url() const { return pool_->display(); }

void PgStore::migrate(int target) {
  run_tx(*pool_, "migration", [&](pqxx::work& w) {
    // One migrator at a time across processes and replicas (key: "muse" in ASCII).
    w.exec("SELECT pg_advisory_xact_lock(1836413797)");
    w.exec("CREATE TABLE IF NOT EXISTS muse_schema(version INTEGER NOT NULL)");
    pqxx::result r = w.exec("SELECT version FROM muse_schema");
    int v = 0;
    if (r.empty()) {
      w.exec("INSERT INTO muse_schema(version) VALUES (0)");
    } else {
      v = r[0][0].as<int>();
    }
    if (v > kSchemaVersion) {
      MUSE_THROW(ErrorCode::kDataLoss,
                 "PostgreSQL store {} has schema version {}, this Muse knows up to {}; "
                 "upgrade Muse",
                 pool_->display(), v, kSchemaVersion);
    }
    if (v < 1 && target >= 1) {
      w.exec(R"SQL(
        CREATE TABLE meta(key TEXT PRIMARY KEY, value BIGINT NOT NULL);
        INSERT INTO meta(key, value) VALUES ('tracks_revision', 0);
        CREATE TABLE tracks(
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          artists TEXT NOT NULL,              -- JSON array, credit order
          album TEXT NOT NULL DEFAULT '',
          album_id TEXT NOT NULL DEFAULT '',
          release_date TEXT NOT NULL DEFAULT '',
          popularity INTEGER NOT NULL DEFAULT -1,
          explicit INTEGER NOT NULL DEFAULT -1,
          features BYTEA NOT NULL,            -- float32[13] little-endian, NaN = unknown
          name_key TEXT NOT NULL,             -- fold_key(name)
          artist_key TEXT NOT NULL,           -- fold_key(primary artist)
          artists_key TEXT NOT NULL,          -- fold_key of all artists, space separated
          album_key TEXT NOT NULL DEFAULT '', -- fold_key(album)
          search TSVECTOR GENERATED ALWAYS AS (
            setweight(to_tsvector('simple'::regconfig, name_key), 'A') ||
            setweight(to_tsvector('simple'::regconfig, artists_key), 'B') ||
            setweight(to_tsvector('simple'::regconfig, album_key), 'C')) STORED);
        CREATE INDEX tracks_search ON tracks USING GIN (search);
        CREATE TABLE track_genres(
          track_id TEXT NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
          genre TEXT NOT NULL,
          PRIMARY KEY (track_id, genre));
        CREATE INDEX track_genres_genre ON track_genres(genre);
      )SQL");
      v = 1;
    }
    if (v < 2 && target >= 2) {
      w.exec(R"SQL(
        CREATE TABLE listeners(
          id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          name TEXT NOT NULL DEFAULT '',
          token_id TEXT NOT NULL UNIQUE,
          token_salt TEXT NOT NULL,
          token_hash TEXT NOT NULL,
          created_ms BIGINT NOT NULL);
        CREATE TABLE feedback(
          id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          listener_id BIGINT NOT NULL REFERENCES listeners(id) ON DELETE CASCADE,
          kind TEXT NOT NULL CHECK (kind IN ('like', 'dislike', 'skip', 'rating')),
          track_id TEXT NOT NULL DEFAULT '',
          artist TEXT NOT NULL DEFAULT '',
          rating INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),
          created_ms BIGINT NOT NULL,
          context TEXT NOT NULL DEFAULT '{}',  -- verbatim JSON text, as SQLite keeps it
          request_id TEXT NOT NULL DEFAULT '');  -- client idempotency key, '' = none
        CREATE INDEX feedback_listener ON feedback(listener_id, id);
        CREATE UNIQUE INDEX feedback_request ON feedback(listener_id, request_id) WHERE request_id <> '';
        CREATE TABLE moods(
          id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          listener_id BIGINT NOT NULL REFERENCES listeners(id) ON DELETE CASCADE,
          emotions TEXT NOT NULL,
          valence DOUBLE PRECISION NOT NULL,
          arousal DOUBLE PRECISION NOT NULL,
          text_hash TEXT NOT NULL DEFAULT '',
          source TEXT NOT NULL DEFAULT '',
          created_ms BIGINT NOT NULL);
        CREATE INDEX moods_listener ON moods(listener_id, id);
        CREATE TABLE conversations(
          id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          listener_id BIGINT NOT NULL REFERENCES listeners(id) ON DELETE CASCADE,
          language TEXT NOT NULL DEFAULT '',
          created_ms BIGINT NOT NULL,
          updated_ms BIGINT NOT NULL);
        CREATE INDEX conversations_listener ON conversations(listener_id, updated_ms);
        CREATE TABLE messages(
          id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
          role TEXT NOT NULL CHECK (role IN ('listener', 'muse')),
          text TEXT NOT NULL,
          analysis TEXT NOT NULL DEFAULT '',
          created_ms BIGINT NOT NULL);
        CREATE INDEX messages_conversation ON messages(conversation_id, id);
      )SQL");
      v = 2;
    }
    if (v < 3 && target >= 3) {
      // v3 (as SQLite's v3): playlists with their songs in order and their tags. Songs are not
      // foreign keys: a playlist may name tracks that are not (yet) in the catalogue.
      w.exec(R"SQL(
        CREATE TABLE playlists(
          id TEXT PRIMARY KEY,
          title TEXT NOT NULL DEFAULT '');
        CREATE TABLE playlist_tracks(
          playlist_id TEXT NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
          position INTEGER NOT NULL,
          track_id TEXT NOT NULL,
          PRIMARY KEY (playlist_id, position));
        CREATE INDEX playlist_tracks_track ON playlist_tracks(track_id);
        CREATE TABLE playlist_tags(
          playlist_id TEXT NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
          position INTEGER NOT NULL,
          tag TEXT NOT NULL,
          PRIMARY KEY (playlist_id, position));
        INSERT INTO meta(key, value) VALUES ('playlists_revision', 0) ON CONFLICT DO NOTHING;
      )SQL");
      v = 3;
    }
    w.exec_params("UPDATE muse_schema SET version = $1", v);
    return 0;
  });
}

int PgStore::schema_version() {
  return run_tx(*pool_, "schema_version", [](pqxx::work& w) {
    pqxx::result r = w.exec("SELECT version FROM muse_schema");
    return r.empty() ? 0 : r[0][0].as<int>();
  });
}

// ---------------- tracks ----------------

UpsertStats PgStore::upsert_tracks(std::span<const catalog::Track> tracks) {
  // Batches of up to 1000 tracks travel as one JSON parameter, unpacked server-side with
  // jsonb_to_recordset: one round trip per batch instead of per row. A batch never holds
  // the same id twice (ON CONFLICT may touch a row only once per statement).
  constexpr size_t kBatch = 1000;
  return run_tx(*pool_, "upsert_tracks", [&](pqxx::work& w) {
    UpsertStats stats;
    size_t i = 0;
    while (i < tracks.size()) {
      nlohmann::json rows = nlohmann::json::array(), genres = nlohmann::json::array();
      std::unordered_map<std::string_view, bool> ids;
      for (; i < tracks.size() && rows.size() < kBatch; ++i) {
        const auto& t = tracks[i];
        if (!ids.emplace(t.id, true).second) break;  // repeated id: next batch
        rows.push_back({{"id", t.id},
                        {"name", t.name},
                        {"artists", nlohmann::json(t.artists).dump()},
                        {"album", t.album},
                        {"album_id", t.album_id},
                        {"release_date", t.release_date},
                        {"popularity", t.popularity},
                        {"explicit", t.explicit_},
                        {"features", features_hex(t)},
                        {"name_key", fold_key(t.name)},
                        {"artist_key", fold_key(t.primary_artist())},
                        {"artists_key", join(folded_artists(t), " ")},
                        {"album_key", fold_key(t.album)}});
        for (const auto& g : t.genres) genres.push_back({{"track_id", t.id}, {"genre", g}});
      }
      pqxx::result r = w.exec_params(R"SQL(
        INSERT INTO tracks(id, name, artists, album, album_id, release_date, popularity, explicit,
                           features, name_key, artist_key, artists_key, album_key)
        SELECT id, name, artists, album, album_id, release_date, popularity, explicit,
               decode(features, 'hex'), name_key, artist_key, artists_key, album_key
        FROM jsonb_to_recordset($1::jsonb) AS x(
          id TEXT, name TEXT, artists TEXT, album TEXT, album_id TEXT, release_date TEXT,
          popularity INTEGER, explicit INTEGER, features TEXT, name_key TEXT, artist_key TEXT,
          artists_key TEXT, album_key TEXT)
        ON CONFLICT (id) DO UPDATE SET
          name = EXCLUDED.name, artists = EXCLUDED.artists,
          album = CASE WHEN EXCLUDED.album <> '' THEN EXCLUDED.album ELSE tracks.album END,
          album_key = CASE WHEN EXCLUDED.album <> '' THEN EXCLUDED.album_key ELSE tracks.album_key END,
          album_id = CASE WHEN EXCLUDED.album_id <> '' THEN EXCLUDED.album_id ELSE tracks.album_id END,
          release_date = CASE WHEN EXCLUDED.release_date <> '' THEN EXCLUDED.release_date
                              ELSE tracks.release_date END,
          popularity = CASE WHEN EXCLUDED.popularity >= 0 THEN EXCLUDED.popularity ELSE tracks.popularity END,
          explicit = CASE WHEN EXCLUDED.explicit >= 0 THEN EXCLUDED.explicit ELSE tracks.explicit END,
          features = EXCLUDED.features, name_key = EXCLUDED.name_key,
          artist_key = EXCLUDED.artist_key, artists_key = EXCLUDED.artists_key
        RETURNING (xmax = 0) AS inserted)SQL",
                                     rows.dump());
      for (const auto& row : r) {
        if (row[0].as<bool>()) {
          ++stats.inserted;
        } else {
          ++stats.updated;
        }
      }
      if (!genres.empty()) {
        w.exec_params(R"SQL(
          INSERT INTO track_genres(track_id, genre)
          SELECT track_id, genre FROM jsonb_to_recordset($1::jsonb) AS x(track_id TEXT, genre TEXT)
          ON CONFLICT DO NOTHING)SQL",
                      genres.dump());
      }
    }
    w.exec("UPDATE meta SET value = value + 1 WHERE key = 'tracks_revision'");
    return stats;
  });
}

std::optional<catalog::Track> PgStore::get_track(const std::string& id) {
  return run_tx(*pool_, "get_track", [&](pqxx::work& w) -> std::optional<catalog::Track> {
    auto v = read_tracks(
        w, w.exec_params(fmt::format("SELECT {} FROM tracks WHERE id = $1", kTrackCols), id),
        false);
    if (v.empty()) return std::nullopt;
    return std::move(v.front());
  });
}

std::vector<catalog::Track> PgStore::all_tracks() {
  return run_tx(*pool_, "all_tracks", [&](pqxx::work& w) {
    return read_tracks(w, w.exec(fmt::format("SELECT {} FROM tracks ORDER BY id", kTrackCols)),
                       true);
  });
}

int64_t PgStore::track_count() {
  return run_tx(*pool_, "track_count", [](pqxx::work& w) {
    return w.exec("SELECT COUNT(*) FROM tracks")[0][0].as<int64_t>();
  });
}

int64_t PgStore::tracks_revision() {
  return run_tx(*pool_, "tracks_revision",
                [](pqxx::work& w) { return meta_counter(w, "tracks_revision"); });
}

std::vector<SearchHit> PgStore::search_tracks(const std::string& query, int limit) {
  MUSE_CHECK_ARG(limit >= 1 && limit <= 1000, "limit must be between 1 and 1000, got {}", limit);
  auto tokens = search_tokens(query);
  // Each token becomes a quoted prefix lexeme: 'tok':*  (quotes/backslashes escaped), ANDed.
  std::string tsq;
  for (const auto& tok : tokens) {
    std::string q;
    for (char c : tok) {
      if (c == '\'' || c == '\\') q += c;
      q += c;
    }
    if (!tsq.empty()) tsq += " & ";
    tsq += "'" + q + "':*";
  }
  std::string key = fold_key(query);
  return run_tx(*pool_, "search_tracks", [&](pqxx::work& w) {
    pqxx::result r = w.exec_params(R"SQL(
      SELECT id, tier, rel, popularity FROM (
        SELECT t.id,
               (CASE WHEN t.name_key = $2 OR t.artist_key = $2 THEN 2
                     WHEN left(t.name_key, length($2)) = $2 OR left(t.artist_key, length($2)) = $2 THEN 1
                     ELSE 0 END) AS tier,
               2.0 * ts_rank_cd('{0.1, 0.2, 0.6, 1.0}', t.search, q) AS rel,
               t.popularity
        FROM tracks t, to_tsquery('simple', $1) q
        WHERE t.search @@ q) s
      ORDER BY tier DESC, rel + 0.08 * GREATEST(popularity, 0) DESC, id
      LIMIT $3)SQL",
                                   tsq, key, limit);
    std::vector<SearchHit> hits;
    for (const auto& row : r) {
      auto v =
          read_tracks(w,
                      w.exec_params(fmt::format("SELECT {} FROM tracks WHERE id = $1", kTrackCols),
                                    row[0].as<std::string>()),
                      false);
      if (v.empty()) continue;
      double score =
          row[1].as<int>() * 1000.0 + row[2].as<double>() + 0.08 * std::max(0, row[3].as<int>());
      hits.push_back({std::move(v.front()), score});
    }
    return hits;
  });
}

// ---------------- listeners ----------------

NewListener PgStore::create_listener(const std::string& name) {
  validate_listener_name(name);
  IssuedToken tok = issue_token();
  int64_t now = listeners::now_ms();
  int64_t id = run_tx(*pool_, "create_listener", [&](pqxx::work& w) {
    return w
        .exec_params(R"SQL(
      INSERT INTO listeners(name, token_id, token_salt, token_hash, created_ms)
      VALUES ($1, $2, $3, $4, $5) RETURNING id)SQL",
                     name, tok.token_id, tok.salt, tok.hash, now)[0][0]
        .as<int64_t>();
  });
  return {{id, name, now}, tok.token};
}

std::optional<Listener> PgStore::authenticate(const std::string& token) {
  auto parts = parse_token(token);
  if (!parts) return std::nullopt;
  return run_tx(*pool_, "authenticate", [&](pqxx::work& w) -> std::optional<Listener> {
    pqxx::result r = w.exec_params(
        "SELECT id, name, created_ms, token_salt, token_hash FROM listeners WHERE token_id = $1",
        parts->token_id);
    if (r.empty()) {
      burn_verify(parts->secret);
      return std::nullopt;
    }
    if (!verify_secret(r[0][3].as<std::string>(), parts->secret, r[0][4].as<std::string>()))
      return std::nullopt;
    return Listener{r[0][0].as<int64_t>(), r[0][1].as<std::string>(), r[0][2].as<int64_t>()};
  });
}

std::optional<Listener> PgStore::get_listener(int64_t listener_id) {
  return run_tx(*pool_, "get_listener", [&](pqxx::work& w) -> std::optional<Listener> {
    pqxx::result r =
        w.exec_params("SELECT id, name, created_ms FROM listeners WHERE id = $1", listener_id);
    if (r.empty()) return std::nullopt;
    return Listener{r[0][0].as<int64_t>(), r[0][1].as<std::string>(), r[0][2].as<int64_t>()};
  });
}

int64_t PgStore::listener_count() {
  return run_tx(*pool_, "listener_count", [](pqxx::work& w) {
    return w.exec("SELECT COUNT(*) FROM listeners")[0][0].as<int64_t>();
  });
}

std::vector<Listener> PgStore::list_listeners(int limit, int64_t after_id) {
  check_limit(limit);
  return run_tx(*pool_, "list_listeners", [&](pqxx::work& w) {
    std::vector<Listener> out;
    for (const auto& row : w.exec_params(
             "SELECT id, name, created_ms FROM listeners WHERE id > $1 ORDER BY id LIMIT $2",
             after_id, limit)) {
      out.push_back({row[0].as<int64_t>(), row[1].as<std::string>(), row[2].as<int64_t>()});
    }
    return out;
  });
}

bool PgStore::delete_listener(int64_t listener_id) {
  return run_tx(*pool_, "delete_listener", [&](pqxx::work& w) {
    return w.exec_params("DELETE FROM listeners WHERE id = $1", listener_id).affected_rows() > 0;
  });
}

// ---------------- feedback ----------------

int64_t PgStore::add_feedback(int64_t listener_id, const listeners::Feedback& f) {
  listeners::validate_feedback(f);
  int64_t created = f.created_ms ? f.created_ms : listeners::now_ms();
  return run_tx(*pool_, "add_feedback", [&](pqxx::work& w) {
    // One statement: the listener check and the insert in a single round trip.
    pqxx::result r =
        w.exec_params(R"SQL(
      INSERT INTO feedback(listener_id, kind, track_id, artist, rating, created_ms, context, request_id)
      SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS (SELECT 1 FROM listeners WHERE id = $1)
      ON CONFLICT (listener_id, request_id) WHERE request_id <> '' DO NOTHING
      RETURNING id)SQL",
                      listener_id, std::string(listeners::feedback_kind_name(f.kind)), f.track_id,
                      f.artist, f.rating, created, stored_context(f.context), f.request_id);
    if (!r.empty()) return r[0][0].as<int64_t>();
    if (!f.request_id.empty()) {  // a retry of an earlier write: its id
      pqxx::result again =
          w.exec_params("SELECT id FROM feedback WHERE listener_id = $1 AND request_id = $2",
                        listener_id, f.request_id);
      if (!again.empty()) return again[0][0].as<int64_t>();
    }
    MUSE_THROW(ErrorCode::kNotFound, "no listener {}", listener_id);
  });
}

std::vector<listeners::Feedback> PgStore::list_feedback(int64_t listener_id,
                                                        const FeedbackPage& page) {
  check_limit(page.limit);
  MUSE_CHECK_ARG(page.before_id >= 0, "before_id must be >= 0");
  return run_tx(*pool_, "list_feedback", [&](pqxx::work& w) {
    return read_feedback(w.exec_params(
        fmt::format("SELECT {} FROM feedback WHERE listener_id = $1 AND ($2 = 0 OR id < $2) "
                    "ORDER BY id DESC LIMIT $3",
                    kFeedbackCols),
        listener_id, page.before_id, page.limit));
  });
}

std::vector<listeners::Feedback> PgStore::all_feedback(int64_t listener_id) {
  return run_tx(*pool_, "all_feedback", [&](pqxx::work& w) {
    return read_feedback(w.exec_params(
        fmt::format("SELECT {} FROM feedback WHERE listener_id = $1 ORDER BY id", kFeedbackCols),
        listener_id));
  });
}

int64_t PgStore::feedback_count(int64_t listener_id) {
  return run_tx(*pool_, "feedback_count", [&](pqxx::work& w) {
    return w.exec_params("SELECT COUNT(*) FROM feedback WHERE listener_id = $1", listener_id)[0][0]
        .as<int64_t>();
  });
}

bool PgStore::delete_feedback(int64_t listener_id, int64_t feedback_id) {
  return run_tx(*pool_, "delete_feedback", [&](pqxx::work& w) {
    return w.exec_params("DELETE FROM feedback WHERE id = $1 AND listener_id = $2", feedback_id,
                         listener_id)
               .affected_rows() > 0;
  });
}

// ---------------- moods ----------------

int64_t PgStore::add_mood(int64_t listener_id, const listeners::MoodEntry& m) {
  listeners::validate_mood(m);
  int64_t created = m.created_ms ? m.created_ms : listeners::now_ms();
  return run_tx(*pool_, "add_mood", [&](pqxx::work& w) {
    require_listener(w, listener_id);
    return w
        .exec_params(R"SQL(
      INSERT INTO moods(listener_id, emotions, valence, arousal, text_hash, source, created_ms)
      VALUES ($1, $2, $3::double precision, $4::double precision, $5, $6, $7) RETURNING id)SQL",
                     listener_id, emotions_to_json(m.emotions), exact_double(m.valence),
                     exact_double(m.arousal), m.text_hash, m.source, created)[0][0]
        .as<int64_t>();
  });
}

std::vector<listeners::MoodEntry> PgStore::list_moods(int64_t listener_id, int limit) {
  check_limit(limit);
  return run_tx(*pool_, "list_moods", [&](pqxx::work& w) {
    return read_moods(w.exec_params(
        fmt::format("SELECT {} FROM moods WHERE listener_id = $1 ORDER BY id DESC LIMIT $2",
                    kMoodCols),
        listener_id, limit));
  });
}

std::vector<CommunitySignal> PgStore::community_signals(int64_t exclude_listener_id,
                                                        int max_listeners, int moods_each,
                                                        int likes_each) {
  check_limit(max_listeners);
  check_limit(moods_each);
  check_limit(likes_each);
  // Three statements whatever the number of listeners (not two per listener): candidates,
  // then everyone's last moods and last likes through row_number() windows.
  return run_tx(*pool_, "community_signals", [&](pqxx::work& w) {
    std::vector<CommunitySignal> out;
    std::unordered_map<int64_t, size_t> pos;
    constexpr const char* kCandidates = R"SQL(
      WITH cand AS (
        SELECT listener_id, MAX(id) AS last_mood FROM moods WHERE listener_id <> $1
        GROUP BY listener_id ORDER BY MAX(id) DESC LIMIT $2))SQL";
    // The CTE's ORDER BY picks the candidates; only an outer ORDER BY fixes the order they come in.
    for (const auto& row : w.exec_params(
             std::string(kCandidates) + " SELECT listener_id FROM cand ORDER BY last_mood DESC",
             exclude_listener_id, max_listeners)) {
      pos[row[0].as<int64_t>()] = out.size();
      out.push_back({row[0].as<int64_t>(), {}, {}});
    }
    if (out.empty()) return out;
    auto moods = read_moods(w.exec_params(
        fmt::format("{} SELECT {} FROM (SELECT m.*, row_number() OVER (PARTITION BY m.listener_id "
                    "ORDER BY m.id DESC) AS rn FROM moods m JOIN cand USING (listener_id)) x "
                    "WHERE rn <= $3 ORDER BY listener_id, id DESC",
                    kCandidates, kMoodCols),
        exclude_listener_id, max_listeners, moods_each));
    for (auto& m : moods) out[pos.at(m.listener_id)].moods.push_back(std::move(m));
    pqxx::result likes = w.exec_params(std::string(kCandidates) + R"SQL(
      SELECT listener_id, track_id FROM (
        SELECT f.listener_id, f.track_id, f.id,
               row_number() OVER (PARTITION BY f.listener_id ORDER BY f.id DESC) AS rn
        FROM feedback f JOIN cand USING (listener_id)
        WHERE f.track_id <> '' AND (f.kind = 'like' OR (f.kind = 'rating' AND f.rating >= 4))) x
      WHERE rn <= $3 ORDER BY listener_id, id DESC)SQL",
                                       exclude_listener_id, max_listeners, likes_each);
    for (const auto& row : likes) {
      out[pos.at(row[0].as<int64_t>())].liked_track_ids.push_back(row[1].as<std::string>());
    }
    return out;
  });
}

// ---------------- conversations ----------------

listeners::Conversation PgStore::create_conversation(int64_t listener_id,
                                                     const std::string& language) {
  check_language(language);
  int64_t now = listeners::now_ms();
  int64_t id = run_tx(*pool_, "create_conversation", [&](pqxx::work& w) {
    require_listener(w, listener_id);
    return w
        .exec_params(R"SQL(
      INSERT INTO conversations(listener_id, language, created_ms, updated_ms)
      VALUES ($1, $2, $3, $3) RETURNING id)SQL",
                     listener_id, language, now)[0][0]
        .as<int64_t>();
  });
  return {id, listener_id, language, now, now};
}

std::optional<listeners::Conversation> PgStore::get_conversation(int64_t listener_id,
                                                                 int64_t conversation_id) {
  return run_tx(*pool_, "get_conversation",
                [&](pqxx::work& w) -> std::optional<listeners::Conversation> {
                  pqxx::result r = w.exec_params(R"SQL(
      SELECT id, listener_id, language, created_ms, updated_ms FROM conversations
      WHERE id = $1 AND listener_id = $2)SQL",
                                                 conversation_id, listener_id);
                  if (r.empty()) return std::nullopt;
                  return read_conversation(r[0]);
                });
}

std::vector<listeners::Conversation> PgStore::list_conversations(int64_t listener_id, int limit) {
  check_limit(limit);
  return run_tx(*pool_, "list_conversations", [&](pqxx::work& w) {
    pqxx::result r = w.exec_params(R"SQL(
      SELECT id, listener_id, language, created_ms, updated_ms FROM conversations
      WHERE listener_id = $1 ORDER BY updated_ms DESC, id DESC LIMIT $2)SQL",
                                   listener_id, limit);
    std::vector<listeners::Conversation> out;
    for (const auto& row : r) out.push_back(read_conversation(row));
    return out;
  });
}

int64_t PgStore::add_message(int64_t listener_id, int64_t conversation_id,
                             const listeners::Message& m) {
  listeners::validate_message(m);
  int64_t now = m.created_ms ? m.created_ms : listeners::now_ms();
  return run_tx(*pool_, "add_message", [&](pqxx::work& w) {
    pqxx::result touched = w.exec_params(
        "UPDATE conversations SET updated_ms = GREATEST(updated_ms, $3) WHERE id = $1 AND "
        "listener_id = $2",
        conversation_id, listener_id, now);
    if (touched.affected_rows() == 0) {
      MUSE_THROW(ErrorCode::kNotFound, "no conversation {} for this listener", conversation_id);
    }
    return w
        .exec_params(R"SQL(
      INSERT INTO messages(conversation_id, role, text, analysis, created_ms)
      VALUES ($1, $2, $3, $4, $5) RETURNING id)SQL",
                     conversation_id, m.role, m.text, m.analysis, now)[0][0]
        .as<int64_t>();
  });
}

std::vector<listeners::Message> PgStore::list_messages(int64_t listener_id, int64_t conversation_id,
                                                       int limit) {
  check_limit(limit);
  return run_tx(*pool_, "list_messages", [&](pqxx::work& w) {
    if (w.exec_params("SELECT 1 FROM conversations WHERE id = $1 AND listener_id = $2",
                      conversation_id, listener_id)
            .empty()) {
      MUSE_THROW(ErrorCode::kNotFound, "no conversation {} for this listener", conversation_id);
    }
    pqxx::result r = w.exec_params(R"SQL(
      SELECT id, conversation_id, role, text, analysis, created_ms FROM (
        SELECT * FROM messages WHERE conversation_id = $1 ORDER BY id DESC LIMIT $2) m ORDER BY id)SQL",
                                   conversation_id, limit);
    std::vector<listeners::Message> out;
    for (const auto& row : r) {
      out.push_back({row[0].as<int64_t>(), row[1].as<int64_t>(), row[2].as<std::string>(),
                     row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<int64_t>()});
    }
    return out;
  });
}

// ---------------- playlists ----------------

UpsertStats PgStore::upsert_playlists(std::span<const cf::Playlist> playlists) {
  // Like upsert_tracks: batches of playlists travel as JSON parameters (one round trip per
  // batch and table); a playlist's songs and tags are replaced whole.
  for (const auto& p : playlists) {
    MUSE_CHECK_ARG(!p.id.empty(), "playlist without an id");
    MUSE_CHECK_ARG(is_valid_utf8(p.title), "playlist {}: title is not valid UTF-8", p.id);
    for (const auto& t : p.tracks)
      MUSE_CHECK_ARG(is_valid_utf8(t), "playlist {}: a track id is not valid UTF-8", p.id);
    for (const auto& t : p.tags)
      MUSE_CHECK_ARG(is_valid_utf8(t), "playlist {}: a tag is not valid UTF-8", p.id);
  }
  constexpr size_t kBatch = 500;
  return run_tx(*pool_, "upsert_playlists", [&](pqxx::work& w) {
    UpsertStats stats;
    size_t i = 0;
    while (i < playlists.size()) {
      nlohmann::json rows = nlohmann::json::array(), ids = nlohmann::json::array(),
                     songs = nlohmann::json::array(), tags = nlohmann::json::array();
      std::unordered_map<std::string_view, bool> seen;
      for (; i < playlists.size() && rows.size() < kBatch; ++i) {
        const auto& p = playlists[i];
        if (!seen.emplace(p.id, true).second) break;  // repeated id: next batch
        rows.push_back({{"id", p.id}, {"title", p.title}});
        ids.push_back(p.id);
        for (size_t k = 0; k < p.tracks.size(); ++k)
          songs.push_back({{"p", p.id}, {"k", k}, {"t", p.tracks[k]}});
        for (size_t k = 0; k < p.tags.size(); ++k)
          tags.push_back({{"p", p.id}, {"k", k}, {"t", p.tags[k]}});
      }
      pqxx::result r = w.exec_params(R"SQL(
        INSERT INTO playlists(id, title)
        SELECT id, title FROM jsonb_to_recordset($1::jsonb) AS x(id TEXT, title TEXT)
        ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title
        RETURNING (xmax = 0) AS inserted)SQL",
                                     rows.dump());
      for (const auto& row : r) {
        if (row[0].as<bool>()) {
          ++stats.inserted;
        } else {
          ++stats.updated;
        }
      }
      const std::string id_list = ids.dump();
      w.exec_params(
          "DELETE FROM playlist_tracks WHERE playlist_id IN "
          "(SELECT jsonb_array_elements_text($1::jsonb))",
          id_list);
      w.exec_params(
          "DELETE FROM playlist_tags WHERE playlist_id IN "
          "(SELECT jsonb_array_elements_text($1::jsonb))",
          id_list);
      if (!songs.empty()) {
        w.exec_params(R"SQL(
          INSERT INTO playlist_tracks(playlist_id, position, track_id)
          SELECT p, k, t FROM jsonb_to_recordset($1::jsonb) AS x(p TEXT, k INTEGER, t TEXT))SQL",
                      songs.dump());
      }
      if (!tags.empty()) {
        w.exec_params(R"SQL(
          INSERT INTO playlist_tags(playlist_id, position, tag)
          SELECT p, k, t FROM jsonb_to_recordset($1::jsonb) AS x(p TEXT, k INTEGER, t TEXT))SQL",
                      tags.dump());
      }
    }
    w.exec("UPDATE meta SET value = value + 1 WHERE key = 'playlists_revision'");
    return stats;
  });
}

std::vector<cf::Playlist> PgStore::all_playlists() {
  return run_tx(*pool_, "all_playlists", [](pqxx::work& w) {
    std::vector<cf::Playlist> out;
    std::unordered_map<std::string, size_t> pos;
    for (const auto& row : w.exec("SELECT id, title FROM playlists ORDER BY id COLLATE \"C\"")) {
      pos.emplace(row[0].as<std::string>(), out.size());
      out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), {}, {}});
    }
    for (const auto& row :
         w.exec("SELECT playlist_id, track_id FROM playlist_tracks ORDER BY playlist_id, position"))
      if (auto it = pos.find(row[0].as<std::string>()); it != pos.end())
        out[it->second].tracks.push_back(row[1].as<std::string>());
    for (const auto& row :
         w.exec("SELECT playlist_id, tag FROM playlist_tags ORDER BY playlist_id, position"))
      if (auto it = pos.find(row[0].as<std::string>()); it != pos.end())
        out[it->second].tags.push_back(row[1].as<std::string>());
    return out;
  });
}

int64_t PgStore::playlist_count() {
  return run_tx(*pool_, "playlist_count", [](pqxx::work& w) {
    return w.exec("SELECT COUNT(*) FROM playlists")[0][0].as<int64_t>();
  });
}

int64_t PgStore::playlists_revision() {
  return run_tx(*pool_, "playlists_revision",
                [](pqxx::work& w) { return meta_counter(w, "playlists_revision"); });
}

}  // namespace muse::storage
