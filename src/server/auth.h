#pragma once
/// Who is calling: listener API tokens (`Authorization: Bearer mt_…`) checked against the
/// store, and the operators' admin token. Shared by every route that touches a listener's
/// data, so the rule "a listener only ever sees their own rows" lives in one place.
#include <cstdint>
#include <optional>
#include <string>

#include "storage/store.h"

namespace muse::app {
class App;
}

namespace muse::server {

class Request;

/// The bearer token of the request ("" if there is no `Authorization: Bearer …` header).
std::string bearer_token(const Request& req);

/// True if the request carries the admin token (set by `muse serve --admin-token-file` or
/// $MUSE_ADMIN_TOKEN); never true when no admin token is configured.
bool is_admin(const Request& req, app::App& app);

/// The listener whose token the request carries. Throws kUnauthenticated (401) when the
/// token is missing, malformed, unknown or wrong.
storage::Listener require_listener(const Request& req, app::App& app);

/// The listener if a valid token is present, nullopt if there is no token at all; a present
/// but bad token still throws kUnauthenticated (a typo must not silently act anonymously).
std::optional<storage::Listener> optional_listener(const Request& req, app::App& app);

/// For routes under /listeners/{id}: the caller must be that listener (or the admin).
/// Another listener's id is answered as 404, the same as an id that does not exist, so ids
/// cannot be probed. Returns the listener id to act on.
int64_t require_self_or_admin(const Request& req, app::App& app, const std::string& id_param);

}  // namespace muse::server
