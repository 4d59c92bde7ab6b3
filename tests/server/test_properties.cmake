# The server tests run without PostgreSQL (their PostgreSQL cases skip). One extra test runs
# the listener suites again with the CTest `muse_pg` server, so `ctest -L server` and
# `ctest -L storage` both cover listeners over HTTP on both backends, two `muse serve`
# replicas sharing one PostgreSQL and SIGKILL crash safety.
set(MUSE_MODULE_TEST_PROPERTIES "")
add_test(NAME server.listeners_http_on_both_backends
  COMMAND muse_server_test --gtest_filter=*ListenersHttp.*:*ListenerProcess.*)
set_tests_properties(server.listeners_http_on_both_backends PROPERTIES
  FIXTURES_REQUIRED muse_pg
  ENVIRONMENT "MUSE_TEST_PG_URL=${MUSE_TEST_PG_URL}"
  LABELS "server;storage;postgres"
  TIMEOUT 900)
