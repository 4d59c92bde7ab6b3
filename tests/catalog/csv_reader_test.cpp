#include "catalog/csv_reader.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include "util/error.h"

using namespace muse::catalog;

namespace {
std::vector<CsvRecord> parse(const std::string& text) {
  CsvReader r(InputStream::from_string(text));
  std::vector<CsvRecord> out;
  CsvRecord rec;
  while (r.next(rec)) out.push_back(rec);
  return out;
}
std::string zstd_compress(const std::string& s) {
  std::string out(ZSTD_compressBound(s.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), s.data(), s.size(), 3));
  return out;
}
}  // namespace

TEST(CsvReader, QuotedCommasQuotesAndNewlines) {
  auto recs = parse("a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"two\nlines\",z\n");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[1].fields, (std::vector<std::string>{"1", "x, y", "say \"hi\""}));
  EXPECT_EQ(recs[2].fields, (std::vector<std::string>{"2", "two\nlines", "z"}));
  EXPECT_EQ(recs[2].line, 3u);
  EXPECT_TRUE(recs[2].error.empty());
}

TEST(CsvReader, CrLfEmptyFieldsAndNoTrailingNewline) {
  auto recs = parse("a,b\r\n,\r\n\"\",x\r\nlast,row");
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[1].fields, (std::vector<std::string>{"", ""}));
  EXPECT_EQ(recs[2].fields, (std::vector<std::string>{"", "x"}));
  EXPECT_EQ(recs[3].fields, (std::vector<std::string>{"last", "row"}));
}

TEST(CsvReader, LineNumbersSkipBlankLinesAndCountEmbeddedNewlines) {
  auto recs = parse("h\n\n\"a\nb\"\nc\n");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[1].line, 3u);
  EXPECT_EQ(recs[2].line, 5u);
}

TEST(CsvReader, UnterminatedQuoteIsReported) {
  auto recs = parse("a,b\n1,\"never closed\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_NE(recs[1].error.find("unterminated"), std::string::npos);
}

TEST(CsvReader, GarbageAfterClosingQuoteIsReported) {
  auto recs = parse("a,b\n\"x\"y,2\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_FALSE(recs[1].error.empty());
}

TEST(CsvReader, RecordsSpanningBufferRefills) {
  std::string big = "h1,h2\n";
  std::string name(3 << 20, 'x');  // 3 MiB field: crosses the 1 MiB buffer several times
  big += "\"" + name + "\",1\n";
  auto recs = parse(big);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].fields[0].size(), name.size());
}

TEST(CsvReader, ReadsZstdDetectedByMagic) {
  auto recs = parse(zstd_compress("a,b\n1,2\n"));
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].fields[1], "2");
}

TEST(CsvReader, TruncatedZstdThrowsDataLoss) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "row" + std::to_string(i) + ",value\n";
  std::string z = zstd_compress(text);
  z.resize(z.size() / 2);
  CsvReader r(InputStream::from_string(z, "half.zst"));
  CsvRecord rec;
  try {
    while (r.next(rec)) {
    }
    FAIL() << "expected an error";
  } catch (const muse::MuseError& e) {
    EXPECT_EQ(e.code(), muse::ErrorCode::kDataLoss);
    EXPECT_NE(std::string(e.what()).find("half.zst"), std::string::npos);
  }
}

TEST(CsvReader, MissingFileIsNotFound) {
  try {
    CsvReader::open("/nonexistent/file.csv");
    FAIL();
  } catch (const muse::MuseError& e) {
    EXPECT_EQ(e.code(), muse::ErrorCode::kNotFound);
  }
}

TEST(CsvHeader, FindsColumnsAndStripsBom) {
  CsvHeader h({"\xEF\xBB\xBFtrack_id", " name "});
  EXPECT_EQ(h.find("track_id"), 0);
  EXPECT_EQ(h.find("name"), 1);
  EXPECT_EQ(h.find("nope"), -1);
}
