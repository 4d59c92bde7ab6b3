#include "storage/token.h"

#include <gtest/gtest.h>

#include "storage/pg_store.h"
#include "storage/store.h"
#include "util/error.h"
#include "util/sha256.h"

namespace muse {
namespace {

TEST(Sha256, MatchesFipsVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  std::string million(1000000, 'a');
  EXPECT_EQ(sha256_hex(million),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Streaming in odd chunks gives the same digest.
  Sha256 h;
  for (size_t i = 0; i < million.size(); i += 997)
    h.update(million.data() + i, std::min<size_t>(997, million.size() - i));
  auto d = h.digest();
  EXPECT_EQ(to_hex(d.data(), d.size()), sha256_hex(million));
}

TEST(Tokens, IssueParseVerify) {
  auto t = storage::issue_token();
  auto parts = storage::parse_token(t.token);
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->token_id, t.token_id);
  EXPECT_TRUE(storage::verify_secret(t.salt, parts->secret, t.hash));
  EXPECT_FALSE(storage::verify_secret(t.salt + "0", parts->secret, t.hash));
  EXPECT_NE(storage::issue_token().token, t.token);
  EXPECT_FALSE(storage::parse_token("mt_abc"));
  EXPECT_FALSE(storage::parse_token(std::string(84, 'x')));
  std::string upper = t.token;
  upper[5] = 'G';
  EXPECT_FALSE(storage::parse_token(upper));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

TEST(PgUrl, PoolSizeAndRedaction) {
  int pool = 0;
  EXPECT_EQ(storage::pg_conninfo("postgresql://u@h:5/db", &pool),
            "postgresql://u@h:5/db?connect_timeout=5");
  EXPECT_EQ(pool, 16);
  EXPECT_EQ(storage::pg_conninfo(
                "postgresql://u@h/db?sslmode=disable&pool_size=3&connect_timeout=2", &pool),
            "postgresql://u@h/db?sslmode=disable&connect_timeout=2");
  EXPECT_EQ(pool, 3);
  EXPECT_THROW(storage::pg_conninfo("postgresql://h/db?pool_size=0", &pool), MuseError);
  EXPECT_EQ(storage::redact_pg_url("postgresql://bob:s3cret@db:5432/muse"),
            "postgresql://bob:***@db:5432/muse");
  EXPECT_EQ(storage::redact_pg_url("postgresql://bob@db/muse"), "postgresql://bob@db/muse");
  EXPECT_EQ(storage::redact_pg_url("postgresql://db:5432/muse"), "postgresql://db:5432/muse");
}

TEST(PgStore, UnreachableServerIsAClearUnavailableError) {
  try {
    storage::open_store("postgresql://muse:hunter2@127.0.0.1:1/muse?connect_timeout=2");
    FAIL() << "expected an error";
  } catch (const MuseError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
    std::string msg = e.what();
    EXPECT_NE(msg.find("cannot connect to PostgreSQL store postgresql://muse:***@127.0.0.1:1/muse"),
              std::string::npos)
        << msg;
    EXPECT_EQ(msg.find("hunter2"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace muse
