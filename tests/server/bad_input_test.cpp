// Bad input never crashes the server and always gets a 4xx JSON error of one shape.
#include <gtest/gtest.h>

#include "server/server_helpers.h"

namespace muse::test {
namespace {

class BadInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server::ServerOptions o;
    o.max_body_bytes = 64 * 1024;
    o.read_timeout_s = 1;
    srv_ = new TestServer(o);
  }
  static void TearDownTestSuite() {
    delete srv_;
    srv_ = nullptr;
  }
  void TearDown() override {
    // Whatever happened, the server still answers.
    auto res = srv_->client().Get("/healthz");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  /// Asserts status + JSON error shape; returns the error object.
  static nlohmann::json expect_error(const httplib::Result& res, int status, const std::string& code) {
    if (!res) {
      ADD_FAILURE() << "no response";
      return nullptr;
    }
    EXPECT_EQ(res->status, status) << res->body;
    EXPECT_NE(res->get_header_value("Content-Type").find("application/json"), std::string::npos);
    EXPECT_FALSE(res->get_header_value("X-Request-Id").empty());
    auto j = body_json(res);
    if (!j.is_object() || !j.contains("error")) {
      ADD_FAILURE() << "no error object: " << res->body;
      return nullptr;
    }
    EXPECT_EQ(j["error"]["code"], code) << res->body;
    EXPECT_TRUE(j["error"]["message"].is_string());
    EXPECT_FALSE(j["error"]["message"].get<std::string>().empty());
    return j["error"];
  }
  static httplib::Result post(const std::string& body, const char* type = "application/json") {
    return srv_->client().Post("/api/v1/recommendations", body, type);
  }
  static TestServer* srv_;
};
TestServer* BadInputTest::srv_ = nullptr;

TEST_F(BadInputTest, MalformedJson) {
  for (const char* body : {"{", "{\"tracks\": [", "not json", "{\"tracks\": ['a']}", "{\"a\":1}}", "\x01\x02"}) {
    auto e = expect_error(post(body), 400, "invalid_argument");
    if (e.is_object()) {
      EXPECT_NE(e["message"].get<std::string>().find("JSON"), std::string::npos) << body;
    }
  }
}

TEST_F(BadInputTest, BodyMustBeAnObject) {
  expect_error(post(""), 400, "invalid_argument");
  expect_error(post("[]"), 400, "invalid_argument");
  expect_error(post("\"tracks\""), 400, "invalid_argument");
  expect_error(post("null"), 400, "invalid_argument");
  // Deep nesting is parsed without recursion and rejected, not a stack overflow.
  expect_error(post(std::string(30000, '[') + std::string(30000, ']')), 400, "invalid_argument");
  std::string deep;
  for (int i = 0; i < 6000; ++i) deep += "{\"a\":";
  deep += "1" + std::string(6000, '}');
  expect_error(post(deep), 400, "invalid_argument");
}

TEST_F(BadInputTest, WrongTypesNameTheField) {
  std::string id = srv_->any_track_id();
  struct Case {
    nlohmann::json body;
    std::string field;
  };
  std::vector<Case> cases = {
      {{{"tracks", id}}, "tracks"},
      {{{"tracks", {1, 2}}}, "tracks[0]"},
      {{{"tracks", {id, nullptr}}}, "tracks[1]"},
      {{{"tracks", {{"a", 1}}}}, "tracks"},
      {{{"limit", 3}}, "tracks"},
      {{{"tracks", {id}}, {"limit", "ten"}}, "limit"},
      {{{"tracks", {id}}, {"limit", 2.5}}, "limit"},
      {{{"tracks", {id}}, {"limit", 0}}, "limit"},
      {{{"tracks", {id}}, {"limit", 100000}}, "limit"},
      {{{"tracks", {id}}, {"limit", 1e300}}, "limit"},
      {{{"tracks", {id}}, {"limit", true}}, "limit"},
      {{{"tracks", {id}}, {"genre", 5}}, "genre"},
      {{{"tracks", {id}}, {"max_per_artist", -1}}, "max_per_artist"},
      {{{"tracks", {id}}, {"style_weight", -1}}, "style_weight"},
      {{{"tracks", {id}}, {"style_weight", 11}}, "style_weight"},
      {{{"tracks", {id}}, {"style_weight", "high"}}, "style_weight"},
  };
  for (const auto& c : cases) {
    auto e = expect_error(post(c.body.dump()), 400, "invalid_argument");
    if (e.is_object()) {
      EXPECT_NE(e["message"].get<std::string>().find("'" + c.field + "'"), std::string::npos)
          << c.body.dump() << " -> " << e["message"];
    }
  }
}

TEST_F(BadInputTest, UnknownIdsAndEmptyLists) {
  auto e = expect_error(post(R"({"tracks":["NoSuchTrackAtAll0000000"]})"), 404, "not_found");
  if (e.is_object()) {
    EXPECT_NE(e["message"].get<std::string>().find("NoSuchTrackAtAll"), std::string::npos);
  }
  expect_error(post(R"({"tracks":[]})"), 400, "invalid_argument");
  expect_error(post(R"({"tracks":[""]})"), 400, "invalid_argument");
  expect_error(post(nlohmann::json{{"tracks", {std::string(5000, 'a')}}}.dump()), 400, "invalid_argument");
}

TEST_F(BadInputTest, HugeBodiesAre413) {
  std::string huge = R"({"tracks":[")" + std::string(200 * 1024, 'a') + R"("]})";
  auto e = expect_error(post(huge), 413, "payload_too_large");
  // Many small items are also capped by the item limit.
  nlohmann::json many = {{"tracks", std::vector<std::string>(2000, "a")}};
  expect_error(post(many.dump()), 400, "invalid_argument");
}

TEST_F(BadInputTest, InvalidUtf8) {
  auto e = expect_error(post("{\"tracks\":[\"\xff\xfe\"]}"), 400, "invalid_argument");
  if (e.is_object()) {
    EXPECT_NE(e["message"].get<std::string>().find("UTF-8"), std::string::npos);
  }
  expect_error(post("{\"tracks\":[\"ok\"],\"genre\":\"\xc3\x28\"}"), 400, "invalid_argument");
  // Overlong encoding of '/'.
  expect_error(post("{\"tracks\":[\"\xc0\xaf\"]}"), 400, "invalid_argument");
  // In a query string (percent-encoded) and in a path.
  expect_error(srv_->client().Get("/api/v1/tracks/search?q=%ff%fe"), 400, "invalid_argument");
  expect_error(srv_->client().Get("/api/v1/tracks/%ff%fe"), 400, "invalid_argument");
}

TEST_F(BadInputTest, PathTraversalOnStaticFiles) {
  auto c = srv_->client();
  for (const char* p : {"/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/js/../../CMakeLists.txt",
                        "/vendor/chart.js/../../package.json", "/..%2f..%2fetc/passwd", "/..\\..\\etc\\passwd"}) {
    auto res = c.Get(p);
    ASSERT_TRUE(res) << p;
    EXPECT_TRUE(res->status == 400 || res->status == 404) << p << " " << res->status;
    EXPECT_EQ(res->body.find("root:"), std::string::npos) << p;
    EXPECT_EQ(res->body.find("cmake_minimum_required"), std::string::npos) << p;
    EXPECT_TRUE(body_json(res).contains("error")) << p;
  }
  // Hidden files and files of unknown types are not served.
  expect_error(c.Get("/.gitignore"), 404, "not_found");
  expect_error(c.Get("/package-lock.json.bak"), 404, "not_found");
  // Raw request without client-side normalisation.
  std::string raw = raw_http(srv_->port(), "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(raw.find("HTTP/1.1 400"), std::string::npos) << raw.substr(0, 200);
  EXPECT_EQ(raw.find("root:"), std::string::npos);
}

TEST_F(BadInputTest, UnknownRoutesAndMethods) {
  auto c = srv_->client();
  expect_error(c.Get("/api/v1/nothing"), 404, "not_found");
  expect_error(c.Get("/api/v2/tracks/search?q=a"), 404, "not_found");
  expect_error(c.Get("/no/such/page.html"), 404, "not_found");
  expect_error(c.Post("/api/v1/nothing", "{}", "application/json"), 404, "not_found");
  auto res = c.Get("/api/v1/recommendations");
  expect_error(res, 405, "method_not_allowed");
  EXPECT_EQ(res->get_header_value("Allow"), "POST");
  res = c.Delete("/api/v1/tracks/abc");
  expect_error(res, 405, "method_not_allowed");
  EXPECT_EQ(res->get_header_value("Allow"), "GET");
  expect_error(c.Put("/api/v1/recommendations", "{}", "application/json"), 405, "method_not_allowed");
  expect_error(c.Post("/index.html", "{}", "application/json"), 405, "method_not_allowed");
  // OPTIONS lists what a path allows.
  res = c.Options("/api/v1/recommendations");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_EQ(res->get_header_value("Allow"), "POST, OPTIONS");
  // A method httplib does not know: 400 JSON.
  std::string raw = raw_http(srv_->port(), "BREW /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(raw.find("HTTP/1.1 400"), std::string::npos) << raw.substr(0, 200);
  EXPECT_NE(raw.find("\"error\""), std::string::npos);
  // Garbage instead of a request line.
  raw = raw_http(srv_->port(), "\x16\x03\x01\x02\x00 garbage\r\n\r\n", 500);
  EXPECT_EQ(raw.find("200 OK"), std::string::npos);
}

TEST_F(BadInputTest, SlowClientsTimeOut) {
  // Half a request, then silence: the server closes the connection after its read timeout (1 s).
  auto t0 = std::chrono::steady_clock::now();
  std::string raw = raw_http(srv_->port(), "POST /api/v1/recommendations HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"tra",
                             8000);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(secs, 6.0) << "connection was not closed by the server";
  EXPECT_EQ(raw.find("200 OK"), std::string::npos);
}

TEST_F(BadInputTest, ErrorsAreCountedInMetrics) {
  post("{");
  auto m = srv_->client().Get("/metrics");
  ASSERT_TRUE(m);
  auto pos = m->body.find("muse_http_errors_total{code=\"invalid_argument\"} ");
  ASSERT_NE(pos, std::string::npos);
  EXPECT_GT(std::stoi(m->body.substr(pos + 48)), 0);
}

}  // namespace
}  // namespace muse::test
