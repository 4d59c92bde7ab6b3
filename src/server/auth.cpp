#include "server/auth.h"

#include <charconv>

#include "app/app.h"
#include "server/router.h"
#include "util/error.h"

namespace muse::server {
namespace {
bool constant_time_equal(const std::string& given, const std::string& expected) {
  if (expected.empty() || given.size() != expected.size()) return false;  // the length is not secret
  unsigned char diff = 0;
  for (size_t i = 0; i < given.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ expected[i]);
  return diff == 0;
}
}  // namespace

std::string bearer_token(const Request& req) {
  std::string h = req.header("Authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (h.size() <= kPrefix.size()) return "";
  for (size_t i = 0; i < kPrefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(h[i])) != std::tolower(static_cast<unsigned char>(kPrefix[i])))
      return "";
  size_t b = kPrefix.size(), e = h.size();
  while (b < e && h[b] == ' ') ++b;
  while (e > b && (h[e - 1] == ' ' || h[e - 1] == '\t')) --e;
  return h.substr(b, e - b);
}

bool is_admin(const Request& req, app::App& app) {
  const std::string& admin = app.options().admin_token;
  if (admin.empty()) return false;
  return constant_time_equal(bearer_token(req), admin);
}

std::optional<storage::Listener> optional_listener(const Request& req, app::App& app) {
  std::string token = bearer_token(req);
  if (token.empty() && req.header("Authorization").empty()) return std::nullopt;
  auto l = app.store().authenticate(token);
  if (!l) MUSE_THROW(ErrorCode::kUnauthenticated, "invalid or unknown API token (send 'Authorization: Bearer mt_…')");
  return l;
}

storage::Listener require_listener(const Request& req, app::App& app) {
  if (bearer_token(req).empty())
    MUSE_THROW(ErrorCode::kUnauthenticated,
               "this endpoint needs a listener token: send 'Authorization: Bearer mt_…' (POST /api/v1/listeners "
               "creates one)");
  auto l = optional_listener(req, app);
  return *l;
}

int64_t require_self_or_admin(const Request& req, app::App& app, const std::string& id_param) {
  const std::string& raw = req.param(id_param);
  int64_t id = 0;
  auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), id);
  MUSE_CHECK_ARG(ec == std::errc() && p == raw.data() + raw.size() && id > 0,
                 "listener id must be a positive integer, got '{}'", raw);
  if (is_admin(req, app)) {
    if (!app.store().get_listener(id)) MUSE_THROW(ErrorCode::kNotFound, "no listener {}", id);
    return id;
  }
  storage::Listener me = require_listener(req, app);
  if (me.id != id) MUSE_THROW(ErrorCode::kNotFound, "no listener {}", id);
  return id;
}

}  // namespace muse::server
