// /api/v1/openapi.json is generated from the registered routes: every documented
// operation exists (answers with neither 404-no-route nor 405).
#include <gtest/gtest.h>

#include <regex>

#include "server/server_helpers.h"

namespace muse::test {
namespace {

TEST(OpenApiTest, EveryDocumentedRouteAnswers) {
  TestServer srv;
  auto c = srv.client();
  auto res = c.Get("/api/v1/openapi.json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  auto doc = body_json(res);
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  ASSERT_TRUE(doc["paths"].is_object());
  // The built-in and catalogue routes are documented.
  for (const char* p : {"/healthz", "/readyz", "/metrics", "/api/v1/openapi.json", "/api/v1/tracks/search",
                        "/api/v1/tracks/{id}", "/api/v1/recommendations"}) {
    EXPECT_TRUE(doc["paths"].contains(p)) << p;
  }
  size_t operations = 0;
  const std::string id = srv.any_track_id();
  for (auto& [path, ops] : doc["paths"].items()) {
    std::string url = std::regex_replace(path, std::regex(R"(\{[^}]+\})"), id);
    for (auto& [method, op] : ops.items()) {
      ++operations;
      EXPECT_TRUE(op.contains("summary") && op.contains("responses")) << path;
      // A plausible request: required query parameters get a value, bodies are {} (a 400 is fine).
      std::string query;
      for (const auto& p : op.value("parameters", nlohmann::json::array())) {
        if (p["in"] == "query" && p["required"] == true) {
          query += (query.empty() ? "?" : "&") + p["name"].get<std::string>() + "=a";
        }
      }
      std::string M = method;
      std::transform(M.begin(), M.end(), M.begin(), ::toupper);
      httplib::Request req;
      req.method = M;
      req.path = url + query;
      if (op.contains("requestBody")) {
        req.body = "{}";
        req.set_header("Content-Type", "application/json");
      }
      auto r = c.send(req);
      ASSERT_TRUE(r) << M << " " << url;
      EXPECT_NE(r->status, 405) << M << " " << url;
      // Matched a route (the server names it), so any 404 is about the resource, not the route.
      EXPECT_EQ(r->get_header_value("X-Muse-Route"), path) << M << " " << url << " -> " << r->status;
    }
  }
  EXPECT_EQ(operations, srv.server().router().routes().size());
}

}  // namespace
}  // namespace muse::test
