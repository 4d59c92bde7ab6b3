// `muse serve` as a process: prints its URL, becomes ready, and exits 0 on SIGINT/SIGTERM
// after finishing the request in flight.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <regex>
#include <thread>

#include "server/server_helpers.h"

namespace muse::test {
namespace {
namespace fs = std::filesystem;

struct Child {
  pid_t pid = -1;
  int out = -1;
};

Child spawn(const std::vector<std::string>& args) {
  int p[2];
  if (::pipe(p) != 0) throw std::runtime_error("pipe");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(p[1], STDOUT_FILENO);
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, STDERR_FILENO);
    ::close(p[0]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(p[1]);
  return {pid, p[0]};
}

/// Reads the child's stdout until the "listening on URL" line; returns the port.
int read_port(int fd) {
  std::string buf;
  char c;
  std::regex re(R"(http://127\.0\.0\.1:(\d+)/)");
  while (::read(fd, &c, 1) == 1) {
    buf += c;
    std::smatch m;
    if (c == '\n' && std::regex_search(buf, m, re)) return std::stoi(m[1]);
  }
  return -1;
}

int wait_exit(pid_t pid, int timeout_s) {
  for (int i = 0; i < timeout_s * 100; ++i) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -1;
}

/// Reads from fd until `needle` has arrived (true) or the deadline passes (false).
bool read_until(int fd, const std::string& needle, int timeout_ms, std::string* got) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[512];
  while (got->find(needle) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    got->append(buf, static_cast<size_t>(n));
  }
  return true;
}

/// Polls GET path until `done(status, body)` or 30 s (a loaded CI box can take seconds).
void poll_until(httplib::Client& c, const std::string& path,
                const std::function<bool(int, const std::string&)>& done, int* status,
                std::string* body) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = c.Get(path);
    if (r) *status = r->status, *body = r->body;
    if (r && done(r->status, r->body)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

class ServeProcessTest : public ::testing::TestWithParam<int> {};

TEST_P(ServeProcessTest, ServesThenExitsCleanlyOnSignal) {
  fs::path home = temp_dir("muse-serve-test");
  {
    app::Options o;
    o.home = home.string();
    app::App a(o);
    a.import_tracks({fs::path(MUSE_FIXTURES) / "server" / "tracks.csv"});
  }
  Child ch = spawn({MUSE_BINARY, "--home", home.string(), "serve", "--port", "0"});
  int port = read_port(ch.out);
  ASSERT_GT(port, 0);
  httplib::Client c("127.0.0.1", port);
  int ready_status = 0;
  std::string ready_body;
  poll_until(
      c, "/readyz", [](int st, const std::string&) { return st == 200; }, &ready_status,
      &ready_body);
  ASSERT_EQ(ready_status, 200) << ready_body;
  auto r = c.Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("<html"), std::string::npos);
  // A request in flight when the signal arrives still gets its answer: send its headers, wait
  // for "100 Continue" (a worker is inside the request, not merely queued), signal, then send
  // the body.
  std::string id = nlohmann::json::parse(c.Get("/api/v1/tracks/search?q=neon")->body)["results"][0]["track_id"];
  std::string body = nlohmann::json{{"tracks", {id}}, {"limit", 3}}.dump();
  int fd = connect_loopback(port);
  ASSERT_GE(fd, 0);
  send_all(fd,
           "POST /api/v1/recommendations HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
           "Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n");
  std::string reply;
  ASSERT_TRUE(read_until(fd, "\r\n\r\n", 30000, &reply)) << reply;
  ASSERT_NE(reply.find("HTTP/1.1 100"), std::string::npos) << reply;
  ::kill(ch.pid, GetParam());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  send_all(fd, body);
  reply += read_until_close(fd, 10000);
  ::close(fd);
  EXPECT_NE(reply.find("HTTP/1.1 200"), std::string::npos) << reply.substr(0, 300);
  EXPECT_NE(reply.find("\"recommendations\""), std::string::npos);
  EXPECT_EQ(wait_exit(ch.pid, 15), 0);
  // And nothing listens any more.
  EXPECT_EQ(connect_loopback(port), -1);
  ::close(ch.out);
  fs::remove_all(home);
}

INSTANTIATE_TEST_SUITE_P(Signals, ServeProcessTest, ::testing::Values(SIGINT, SIGTERM));

TEST(ServeProcess, EmptyHomeServesButIsNotReady) {
  fs::path home = temp_dir("muse-serve-empty");
  Child ch = spawn({MUSE_BINARY, "--home", home.string(), "serve", "--port", "0"});
  int port = read_port(ch.out);
  ASSERT_GT(port, 0);
  httplib::Client c("127.0.0.1", port);
  int status = 0;
  std::string body;
  poll_until(
      c, "/readyz", [](int, const std::string& b) { return b.find("import") != std::string::npos; },
      &status, &body);
  EXPECT_EQ(status, 503);
  EXPECT_NE(body.find("muse import tracks"), std::string::npos) << body;
  EXPECT_EQ(c.Get("/healthz")->status, 200);
  ::kill(ch.pid, SIGTERM);
  EXPECT_EQ(wait_exit(ch.pid, 15), 0);
  ::close(ch.out);
  fs::remove_all(home);
}

TEST(ServeProcess, PortInUseIsAClearError) {
  TestServer srv;
  fs::path home = temp_dir("muse-serve-busy");
  Child ch = spawn({MUSE_BINARY, "--home", home.string(), "serve", "--port", std::to_string(srv.port())});
  int code = wait_exit(ch.pid, 15);
  EXPECT_NE(code, 0);
  EXPECT_NE(code, -1) << "did not exit: a second server bound the same port";
  ::close(ch.out);
  fs::remove_all(home);
}

}  // namespace
}  // namespace muse::test
