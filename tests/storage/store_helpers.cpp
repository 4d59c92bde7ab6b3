#include "storage/store_helpers.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>

#include "storage/pg_store.h"
#include "storage/sqlite_store.h"

namespace muse::test {

namespace fs = std::filesystem;

fs::path make_temp_dir(const std::string& prefix) {
  std::string tmpl = (fs::temp_directory_path() / (prefix + "XXXXXX")).string();
  char* p = ::mkdtemp(tmpl.data());
  if (!p) throw std::runtime_error("mkdtemp failed");
  return fs::path(p);
}

SqliteBackend::~SqliteBackend() {
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

bool SqliteBackend::setup(std::string*) {
  dir_ = make_temp_dir("muse_store_test_");
  return true;
}

std::unique_ptr<storage::Store> SqliteBackend::open(int version) {
  return std::make_unique<storage::SqliteStore>(
      url(), version ? version : storage::SqliteStore::kSchemaVersion);
}

std::string SqliteBackend::raw_listener_rows() {
  std::string all;
  for (const char* suffix : {"", "-wal"}) {
    std::ifstream in(url() + suffix, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    all += ss.str();
  }
  return all;
}

PgBackend::~PgBackend() {
  if (schema_.empty()) return;
  try {
    pqxx::connection c(base_);
    pqxx::work w(c);
    w.exec("DROP SCHEMA IF EXISTS " + w.quote_name(schema_) + " CASCADE");
    w.commit();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "warning: could not drop test schema %s: %s\n", schema_.c_str(), e.what());
  }
}

bool PgBackend::setup(std::string* why) {
  const char* env = std::getenv("MUSE_TEST_PG_URL");
  if (!env || !*env) {
    *why =
        "MUSE_TEST_PG_URL is not set: PostgreSQL cases skipped (ctest starts a server and sets it)";
    return false;
  }
  base_ = env;
  static std::atomic<int> counter{0};
  schema_ = "muse_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  pqxx::connection c(base_);
  pqxx::work w(c);
  w.exec("DROP SCHEMA IF EXISTS " + w.quote_name(schema_) + " CASCADE");
  w.exec("CREATE SCHEMA " + w.quote_name(schema_));
  w.commit();
  // libpq passes `options` to the server: every pooled connection gets this search_path.
  url_ = base_ + (base_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema_;
  return true;
}

std::unique_ptr<storage::Store> PgBackend::open(int version) {
  return std::make_unique<storage::PgStore>(url_,
                                            version ? version : storage::PgStore::kSchemaVersion);
}

std::string PgBackend::raw_listener_rows() {
  pqxx::connection c(url_);
  pqxx::work w(c);
  std::string all;
  for (const auto& row : w.exec("SELECT listeners::text FROM listeners"))
    all += row[0].as<std::string>() + "\n";
  return all;
}

}  // namespace muse::test
