# Storage tests run against SQLite and a real PostgreSQL 15 that CTest starts for them.
set(MUSE_MODULE_TEST_PROPERTIES
  FIXTURES_REQUIRED muse_pg
  ENVIRONMENT "MUSE_TEST_PG_URL=${MUSE_TEST_PG_URL}")
