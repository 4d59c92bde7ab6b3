# npm packages of the web app (chart.js, served under /vendor/) and of the browser test
# (playwright-core) are installed at build time into build/web-deps/node_modules; none of
# their code is committed. The script is idempotent and skips work when the lock is unchanged.
option(MUSE_WEB_DEPS "Install the web app's npm packages at build time" ON)
set(MUSE_WEB_DEPS_DIR ${PROJECT_BINARY_DIR}/web-deps)
if(MUSE_WEB_DEPS)
  set(_stamp ${MUSE_WEB_DEPS_DIR}/node_modules/.muse-lock.json)
  add_custom_command(
    OUTPUT ${_stamp}
    COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/web-deps.sh ${PROJECT_SOURCE_DIR}/web ${MUSE_WEB_DEPS_DIR}
    DEPENDS ${PROJECT_SOURCE_DIR}/web/package.json ${PROJECT_SOURCE_DIR}/web/package-lock.json
            ${PROJECT_SOURCE_DIR}/scripts/web-deps.sh
    COMMENT "web app npm packages -> ${MUSE_WEB_DEPS_DIR}"
    VERBATIM)
  add_custom_target(muse_web_deps ALL DEPENDS ${_stamp})
endif()
