#pragma once
// Backends for the typed storage suite: each test gets a fresh, empty store.
//   SQLite: a file in a fresh temp directory.
//   PostgreSQL: a fresh schema in the server named by $MUSE_TEST_PG_URL (the CTest fixture
//   starts one and sets it); without that variable the PostgreSQL cases skip.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "storage/pg_store.h"
#include "storage/sqlite_store.h"
#include "storage/store.h"

namespace muse::test {

class StoreBackend {
 public:
  virtual ~StoreBackend() = default;
  /// Prepares a fresh empty location; false (with `why`) if this backend is unavailable.
  virtual bool setup(std::string* why) = 0;
  /// URL that open_store() understands, pointing at the fresh location.
  virtual std::string url() const = 0;
  /// Opens the store migrated to `version` (0 = current).
  virtual std::unique_ptr<storage::Store> open(int version = 0) = 0;
  /// Every byte the backend holds for the listeners table (to prove secrets are not stored).
  virtual std::string raw_listener_rows() = 0;
  virtual const char* name() const = 0;
  /// The schema version a freshly opened store reports.
  virtual int current_schema() const = 0;
};

class SqliteBackend : public StoreBackend {
 public:
  ~SqliteBackend() override;
  bool setup(std::string* why) override;
  std::string url() const override { return (dir_ / "muse.db").string(); }
  std::unique_ptr<storage::Store> open(int version = 0) override;
  std::string raw_listener_rows() override;
  const char* name() const override { return "sqlite"; }
  int current_schema() const override { return storage::SqliteStore::kSchemaVersion; }

 private:
  std::filesystem::path dir_;
};

class PgBackend : public StoreBackend {
 public:
  ~PgBackend() override;
  bool setup(std::string* why) override;
  std::string url() const override { return url_; }
  std::unique_ptr<storage::Store> open(int version = 0) override;
  std::string raw_listener_rows() override;
  const char* name() const override { return "postgresql"; }
  int current_schema() const override { return storage::PgStore::kSchemaVersion; }

 private:
  std::string base_, schema_, url_;
};

/// A fresh temp directory (removed by the caller).
std::filesystem::path make_temp_dir(const std::string& prefix);

}  // namespace muse::test
