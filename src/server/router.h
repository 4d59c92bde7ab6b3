#pragma once
/// Routes register themselves: each src/server/routes_<name>.cpp defines a static `Routes`
/// whose callback adds handlers to the Router when a Server is built. Handlers return JSON
/// (or fill a raw reply) and throw MuseError for failures; the Server turns every exception
/// into one JSON error shape and status code, so handlers never format errors themselves.
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace httplib {
struct Request;
}
namespace muse::app {
class App;
}

namespace muse::server {

/// One query parameter, for the OpenAPI document.
struct ParamSpec {
  std::string name;
  std::string type = "string";  ///< "string", "integer", "number", "boolean"
  bool required = false;
  std::string description = "";
};

/// What a route is, for humans and the OpenAPI document (generated from these, so it matches).
struct RouteSpec {
  std::string summary;
  std::string tag = "misc";
  std::vector<ParamSpec> query = {};
  nlohmann::json request_schema = nullptr;   ///< JSON Schema of the body (null = no body)
  nlohmann::json response_schema = nullptr;  ///< JSON Schema of a 200 reply (null = unspecified)
  std::string produces = "application/json";
  /// Also limited per client IP (ServerOptions::create_limit_per_minute): for unauthenticated
  /// creates such as POST /api/v1/listeners.
  bool per_ip_limit = false;
};

/// A request as handlers see it: path/query parameters and the JSON body, with typed
/// accessors that throw kInvalidArgument naming the offending field.
class Request {
 public:
  Request(const httplib::Request& native, std::string request_id);

  const std::string& method() const;
  const std::string& path() const;
  const std::string& id() const { return request_id_; }  ///< X-Request-Id
  const std::string& body() const;
  /// Header value ("" if absent); names are case-insensitive.
  std::string header(std::string_view name) const;

  /// Path parameter from the route pattern ("{id}" -> param("id")).
  const std::string& param(const std::string& name) const;

  bool has_query(const std::string& name) const;
  /// Query parameter, or `fallback` if absent.
  std::string query(const std::string& name, const std::string& fallback = "") const;
  /// Every value of a repeated query parameter (?track=a&track=b), in order.
  std::vector<std::string> query_all(const std::string& name) const;
  /// The peer's IP address as the socket reports it (no proxy headers are trusted).
  const std::string& remote_addr() const;
  /// Integer query parameter in [lo, hi], or `fallback` if absent.
  int query_int(const std::string& name, int fallback, int lo, int hi) const;

  /// The body parsed as a JSON object (parsed once). Throws kInvalidArgument if the body is
  /// empty, not JSON or not an object.
  const nlohmann::json& json() const;
  bool has(const std::string& field) const;
  std::string body_string(const std::string& field) const;  ///< required
  std::string body_string(const std::string& field, const std::string& fallback) const;
  int body_int(const std::string& field) const;  ///< required
  int body_int(const std::string& field, int fallback, int lo, int hi) const;
  double body_number(const std::string& field, double fallback) const;
  bool body_bool(const std::string& field, bool fallback) const;
  /// A required array of strings; `max_items` caps its length.
  std::vector<std::string> body_strings(const std::string& field, size_t max_items = 10000) const;

  /// Status of a successful reply (default 200, e.g. 201 after a create).
  void set_status(int status) { status_ = status; }
  int status() const { return status_; }

  // Set by the router.
  std::map<std::string, std::string> params_;

 private:
  const nlohmann::json& field(const std::string& name) const;
  const httplib::Request& native_;
  std::string request_id_;
  mutable std::optional<nlohmann::json> json_;
  int status_ = 200;
};

/// A non-JSON reply (text, files).
struct RawReply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using JsonHandler = std::function<nlohmann::json(Request&)>;
using RawHandler = std::function<void(Request&, RawReply&)>;

struct Route {
  std::string method;                 ///< "GET", "POST", ...
  std::string path;                   ///< pattern, e.g. "/api/v1/tracks/{id}"
  RouteSpec spec;
  JsonHandler json;                   ///< one of json / raw is set
  RawHandler raw;
  std::vector<std::string> segments;  ///< split pattern; "{x}" segments are parameters
  int literal_segments = 0;
  size_t index = 0;                   ///< position in Router::routes(), used for metrics
};

struct Match {
  const Route* route = nullptr;            ///< matched route (path and method)
  std::vector<std::string> allowed;        ///< methods the path allows (for 405)
  std::map<std::string, std::string> params;
};

class Router {
 public:
  Router& get(const std::string& path, RouteSpec spec, JsonHandler h);
  Router& post(const std::string& path, RouteSpec spec, JsonHandler h);
  Router& put(const std::string& path, RouteSpec spec, JsonHandler h);
  Router& patch(const std::string& path, RouteSpec spec, JsonHandler h);
  Router& del(const std::string& path, RouteSpec spec, JsonHandler h);
  Router& add(const std::string& method, const std::string& path, RouteSpec spec, JsonHandler h);
  Router& add_raw(const std::string& method, const std::string& path, RouteSpec spec, RawHandler h);

  /// Finds the route for method + path; literal segments win over parameters
  /// ("/tracks/search" before "/tracks/{id}"). No route: route == nullptr and `allowed`
  /// lists the methods other routes accept on this path (empty = unknown path).
  Match match(const std::string& method, std::string_view path) const;
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

  /// OpenAPI 3.0 document of all routes.
  nlohmann::json openapi(const std::string& title, const std::string& version) const;

 private:
  Route& insert(const std::string& method, const std::string& path, RouteSpec spec);
  std::vector<std::unique_ptr<Route>> routes_;
};

using RouteSetup = std::function<void(Router& router, app::App& app)>;

/// Static registrar: `static muse::server::Routes r([](Router& r, app::App& app) { ... });`
struct Routes {
  explicit Routes(RouteSetup setup);
};
std::vector<RouteSetup>& route_setups();

}  // namespace muse::server
