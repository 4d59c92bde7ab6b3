#include "server/router.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "util/error.h"
#include "util/text.h"

namespace muse::server {

std::vector<RouteSetup>& route_setups() {
  static std::vector<RouteSetup> list;
  return list;
}

Routes::Routes(RouteSetup setup) { route_setups().push_back(std::move(setup)); }

// ---------------------------------------------------------------- Request

Request::Request(const httplib::Request& native, std::string request_id)
    : native_(native), request_id_(std::move(request_id)) {}

const std::string& Request::method() const { return native_.method; }
const std::string& Request::path() const { return native_.path; }
const std::string& Request::body() const { return native_.body; }
std::string Request::header(std::string_view name) const {
  return native_.get_header_value(std::string(name));
}

const std::string& Request::param(const std::string& name) const {
  auto it = params_.find(name);
  MUSE_CHECK(it != params_.end(), "route has no path parameter '{}'", name);
  return it->second;
}

bool Request::has_query(const std::string& name) const { return native_.has_param(name); }

std::vector<std::string> Request::query_all(const std::string& name) const {
  std::vector<std::string> out;
  size_t n = native_.get_param_value_count(name);
  for (size_t i = 0; i < n; ++i) out.push_back(native_.get_param_value(name, i));
  return out;
}

const std::string& Request::remote_addr() const { return native_.remote_addr; }

std::string Request::query(const std::string& name, const std::string& fallback) const {
  if (!native_.has_param(name)) return fallback;
  return native_.get_param_value(name);
}

int Request::query_int(const std::string& name, int fallback, int lo, int hi) const {
  if (!native_.has_param(name)) return fallback;
  std::string v = native_.get_param_value(name);
  long long x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  MUSE_CHECK_ARG(ec == std::errc() && p == v.data() + v.size() && !v.empty(),
                 "query parameter '{}' must be an integer, got '{}'", name, v.substr(0, 40));
  MUSE_CHECK_ARG(x >= lo && x <= hi, "query parameter '{}' must be between {} and {}, got {}", name,
                 lo, hi, x);
  return static_cast<int>(x);
}

const nlohmann::json& Request::json() const {
  if (!json_) {
    MUSE_CHECK_ARG(!native_.body.empty(), "request body is empty: expected a JSON object");
    // Invalid UTF-8 is rejected before parsing so the error names the byte offset.
    size_t bad = first_invalid_utf8(native_.body);
    MUSE_CHECK_ARG(bad == std::string::npos, "request body is not valid UTF-8 (byte {})", bad);
    nlohmann::json j = nlohmann::json::parse(native_.body, nullptr, /*allow_exceptions=*/false);
    MUSE_CHECK_ARG(!j.is_discarded(), "request body is not valid JSON");
    MUSE_CHECK_ARG(j.is_object(), "request body must be a JSON object, got {}", j.type_name());
    json_ = std::move(j);
  }
  return *json_;
}

bool Request::has(const std::string& name) const {
  const auto& j = json();
  auto it = j.find(name);
  return it != j.end() && !it->is_null();
}

const nlohmann::json& Request::field(const std::string& name) const {
  const auto& j = json();
  auto it = j.find(name);
  MUSE_CHECK_ARG(it != j.end() && !it->is_null(), "missing field '{}'", name);
  return *it;
}

std::string Request::body_string(const std::string& name) const {
  const auto& v = field(name);
  MUSE_CHECK_ARG(v.is_string(), "field '{}' must be a string, got {}", name, v.type_name());
  return v.get<std::string>();
}

std::string Request::body_string(const std::string& name, const std::string& fallback) const {
  return has(name) ? body_string(name) : fallback;
}

namespace {
int as_int(const nlohmann::json& v, const std::string& name) {
  bool integral = v.is_number_integer() ||
                  (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
  MUSE_CHECK_ARG(v.is_number() && integral, "field '{}' must be an integer, got {}", name,
                 v.is_number() ? v.dump() : std::string(v.type_name()));
  double d = v.get<double>();
  MUSE_CHECK_ARG(d >= std::numeric_limits<int>::min() && d <= std::numeric_limits<int>::max(),
                 "field '{}' is out of range", name);
  return v.is_number_float() ? static_cast<int>(d) : static_cast<int>(v.get<int64_t>());
}
}  // namespace

int Request::body_int(const std::string& name) const { return as_int(field(name), name); }

int Request::body_int(const std::string& name, int fallback, int lo, int hi) const {
  if (!has(name)) return fallback;
  int x = body_int(name);
  MUSE_CHECK_ARG(x >= lo && x <= hi, "field '{}' must be between {} and {}, got {}", name, lo, hi, x);
  return x;
}

double Request::body_number(const std::string& name, double fallback) const {
  if (!has(name)) return fallback;
  const auto& v = field(name);
  MUSE_CHECK_ARG(v.is_number(), "field '{}' must be a number, got {}", name, v.type_name());
  return v.get<double>();
}

bool Request::body_bool(const std::string& name, bool fallback) const {
  if (!has(name)) return fallback;
  const auto& v = field(name);
  MUSE_CHECK_ARG(v.is_boolean(), "field '{}' must be true or false, got {}", name, v.type_name());
  return v.get<bool>();
}

std::vector<std::string> Request::body_strings(const std::string& name, size_t max_items) const {
  const auto& v = field(name);
  MUSE_CHECK_ARG(v.is_array(), "field '{}' must be an array of strings, got {}", name, v.type_name());
  MUSE_CHECK_ARG(v.size() <= max_items, "field '{}' has {} items, at most {} allowed", name,
                 v.size(), max_items);
  std::vector<std::string> out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    MUSE_CHECK_ARG(v[i].is_string(), "field '{}[{}]' must be a string, got {}", name, i,
                   v[i].type_name());
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

// ---------------------------------------------------------------- Router

namespace {
std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool is_param(const std::string& seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}
}  // namespace

Route& Router::insert(const std::string& method, const std::string& path, RouteSpec spec) {
  MUSE_CHECK(!path.empty() && path[0] == '/', "route path must start with '/': '{}'", path);
  auto r = std::make_unique<Route>();
  r->method = method;
  r->path = path;
  r->spec = std::move(spec);
  r->segments = split_path(path);
  for (const auto& s : r->segments) r->literal_segments += is_param(s) ? 0 : 1;
  for (const auto& other : routes_) {
    MUSE_CHECK(!(other->method == method && other->segments == r->segments),
               "route {} {} registered twice", method, path);
  }
  r->index = routes_.size();
  routes_.push_back(std::move(r));
  return *routes_.back();
}

Router& Router::add(const std::string& method, const std::string& path, RouteSpec spec, JsonHandler h) {
  insert(method, path, std::move(spec)).json = std::move(h);
  return *this;
}

Router& Router::add_raw(const std::string& method, const std::string& path, RouteSpec spec,
                        RawHandler h) {
  insert(method, path, std::move(spec)).raw = std::move(h);
  return *this;
}

Router& Router::get(const std::string& p, RouteSpec s, JsonHandler h) { return add("GET", p, std::move(s), std::move(h)); }
Router& Router::post(const std::string& p, RouteSpec s, JsonHandler h) { return add("POST", p, std::move(s), std::move(h)); }
Router& Router::put(const std::string& p, RouteSpec s, JsonHandler h) { return add("PUT", p, std::move(s), std::move(h)); }
Router& Router::patch(const std::string& p, RouteSpec s, JsonHandler h) { return add("PATCH", p, std::move(s), std::move(h)); }
Router& Router::del(const std::string& p, RouteSpec s, JsonHandler h) { return add("DELETE", p, std::move(s), std::move(h)); }

Match Router::match(const std::string& method, std::string_view path) const {
  Match m;
  std::vector<std::string> segs = split_path(path);
  const std::string& want = method == "HEAD" ? std::string("GET") : method;
  int best = -1;
  for (const auto& r : routes_) {
    if (r->segments.size() != segs.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      ok = is_param(r->segments[i]) ? !segs[i].empty() : r->segments[i] == segs[i];
    }
    if (!ok) continue;
    if (r->method != want) {
      if (std::find(m.allowed.begin(), m.allowed.end(), r->method) == m.allowed.end()) {
        m.allowed.push_back(r->method);
      }
      continue;
    }
    if (r->literal_segments > best) {
      best = r->literal_segments;
      m.route = r.get();
    }
  }
  if (m.route) {
    for (size_t i = 0; i < segs.size(); ++i) {
      const auto& s = m.route->segments[i];
      if (is_param(s)) m.params[s.substr(1, s.size() - 2)] = segs[i];
    }
    m.allowed.clear();
  }
  return m;
}

nlohmann::json Router::openapi(const std::string& title, const std::string& version) const {
  using nlohmann::json;
  json error_schema = {
      {"type", "object"},
      {"properties",
       {{"error",
         {{"type", "object"},
          {"properties",
           {{"code", {{"type", "string"}}},
            {"message", {{"type", "string"}}},
            {"request_id", {{"type", "string"}}}}}}}}}};
  json paths = json::object();
  for (const auto& r : routes_) {
    std::string lower = r->method;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    json op = {{"summary", r->spec.summary},
               {"tags", {r->spec.tag}},
               {"operationId", lower + "_" + std::to_string(r->index)}};
    json params = json::array();
    for (const auto& s : r->segments) {
      if (is_param(s)) {
        params.push_back({{"name", s.substr(1, s.size() - 2)},
                          {"in", "path"},
                          {"required", true},
                          {"schema", {{"type", "string"}}}});
      }
    }
    for (const auto& q : r->spec.query) {
      params.push_back({{"name", q.name},
                        {"in", "query"},
                        {"required", q.required},
                        {"description", q.description},
                        {"schema", {{"type", q.type}}}});
    }
    if (!params.empty()) op["parameters"] = params;
    if (!r->spec.request_schema.is_null()) {
      op["requestBody"] = {{"required", true},
                           {"content", {{"application/json", {{"schema", r->spec.request_schema}}}}}};
    }
    json ok_content = {{"description", "OK"}};
    json media = json::object();
    if (!r->spec.response_schema.is_null()) media["schema"] = r->spec.response_schema;
    ok_content["content"] = {{r->spec.produces, media}};
    op["responses"] = {
        {"200", ok_content},
        {"default",
         {{"description", "error"},
          {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}};
    paths[r->path][lower] = op;
  }
  return {{"openapi", "3.0.3"},
          {"info", {{"title", title}, {"version", version}}},
          {"paths", paths},
          {"components", {{"schemas", {{"Error", error_schema}}}}}};
}

}  // namespace muse::server
