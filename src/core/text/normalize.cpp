#include "text/normalize.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>

#include "util/error.h"
#include "util/text.h"

namespace muse::text {

void check_text(std::string_view s, std::string_view what, size_t max_bytes) {
  if (s.size() > max_bytes) {
    MUSE_THROW(ErrorCode::kPayloadTooLarge, "{} is {} bytes; the limit is {} bytes ({} KiB)", what,
               s.size(), max_bytes, max_bytes / 1024);
  }
  size_t bad = first_invalid_utf8(s);
  if (bad != std::string_view::npos) {
    MUSE_THROW(ErrorCode::kInvalidArgument, "{} is not valid UTF-8: bad byte 0x{:02x} at offset {}",
               what, static_cast<unsigned char>(s[bad]), bad);
  }
}

void nfkc(std::string_view s, std::string& out) {
  out.clear();
  bool ascii = true;
  for (unsigned char c : s) {
    if (c >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    out.assign(s);
    return;
  }
  UErrorCode status = U_ZERO_ERROR;
  static const icu::Normalizer2* norm = icu::Normalizer2::getNFKCInstance(status);
  MUSE_CHECK(norm != nullptr, "ICU NFKC normaliser unavailable");
  status = U_ZERO_ERROR;
  icu::StringPiece piece(s.data(), static_cast<int32_t>(s.size()));
  if (norm->isNormalizedUTF8(piece, status) && U_SUCCESS(status)) {
    out.assign(s);
    return;
  }
  status = U_ZERO_ERROR;
  icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(s.size()));
  norm->normalizeUTF8(0, piece, sink, nullptr, status);
  if (U_FAILURE(status)) {
    MUSE_THROW(ErrorCode::kInvalidArgument, "text could not be normalised: {}", u_errorName(status));
  }
}

std::string nfkc(std::string_view s) {
  std::string out;
  nfkc(s, out);
  return out;
}

}  // namespace muse::text
