#include "util/binary_file.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_catalog.h"

using namespace muse;

namespace {
std::filesystem::path tmp(const char* n) { return muse::testing::temp_path(n); }
}  // namespace

TEST(BinaryFile, RoundTripAndAtomicity) {
  auto p = tmp("muse_bf_roundtrip.bin");
  {
    BinaryWriter w(p, "MUSETST1", 3, 77);
    w.write<int32_t>(42);
    w.write_string("héllo");
    w.write_vector(std::vector<float>{1.5f, 2.5f});
    w.write_strings({"a", "bc"});
    EXPECT_FALSE(std::filesystem::exists(p));  // nothing under the real name before commit
    w.commit();
  }
  BinaryReader r(p, "MUSETST1", 3);
  EXPECT_EQ(r.version(), 3u);
  EXPECT_EQ(r.fingerprint(), 77u);
  EXPECT_EQ(r.read<int32_t>(), 42);
  EXPECT_EQ(r.read_string(), "héllo");
  EXPECT_EQ(r.read_vector<float>(), (std::vector<float>{1.5f, 2.5f}));
  EXPECT_EQ(r.read_strings(), (std::vector<std::string>{"a", "bc"}));
  r.expect_end();
  std::filesystem::remove(p);
}

TEST(BinaryFile, UncommittedWriterLeavesNothing) {
  auto p = tmp("muse_bf_abandoned.bin");
  std::filesystem::remove(p);
  {
    BinaryWriter w(p, "MUSETST1", 1);
    w.write<int32_t>(1);
  }
  EXPECT_FALSE(std::filesystem::exists(p));
  for (auto& e : std::filesystem::directory_iterator(std::filesystem::temp_directory_path())) {
    EXPECT_EQ(e.path().filename().string().find(p.filename().string() + ".tmp"), std::string::npos);
  }
}

TEST(BinaryFile, RejectsWrongMagicNewerVersionAndHugeLengths) {
  auto p = tmp("muse_bf_bad.bin");
  {
    BinaryWriter w(p, "MUSETST1", 5);
    w.write<uint64_t>(1ull << 40);  // a "vector length" far beyond the file
    w.commit();
  }
  auto code = [&](auto f) {
    try {
      f();
    } catch (const MuseError& e) {
      return e.code();
    }
    return ErrorCode::kInternal;
  };
  EXPECT_EQ(code([&] { BinaryReader r(p, "OTHERMAG", 9); }), ErrorCode::kDataLoss);
  EXPECT_EQ(code([&] { BinaryReader r(p, "MUSETST1", 4); }), ErrorCode::kDataLoss);
  // An older layout is refused unless the reader opts in to it (a v5 reader must not parse v4
  // bytes as if they were v5: that is how a stale model once crashed a query).
  EXPECT_EQ(code([&] { BinaryReader r(p, "MUSETST1", 6); }), ErrorCode::kDataLoss);
  EXPECT_EQ(BinaryReader(p, "MUSETST1", 6, /*min_version=*/4).version(), 5u);
  try {
    BinaryReader r(p, "MUSETST1", 6);
  } catch (const MuseError& e) {
    EXPECT_NE(std::string(e.what()).find("format version 5, this Muse reads version 6"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(code([&] {
              BinaryReader r(p, "MUSETST1", 5);
              r.read_vector<float>();
            }),
            ErrorCode::kDataLoss);
  EXPECT_EQ(code([&] { BinaryReader r(tmp("muse_bf_missing.bin"), "MUSETST1", 1); }),
            ErrorCode::kNotFound);
  std::filesystem::remove(p);
}
