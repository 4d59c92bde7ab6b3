#pragma once
/// Input hygiene for free text: a size limit, UTF-8 validation with the byte offset of the
/// first bad sequence, and NFKC so full-width letters, ligatures and compatibility jamo
/// hash to the same features as their plain forms.
#include <cstddef>
#include <string>
#include <string_view>

namespace muse::text {

/// Largest text accepted by the mood/emotion entry points (1 MiB).
inline constexpr size_t kMaxTextBytes = size_t{1} << 20;

/// Throws kPayloadTooLarge if `s` is longer than `max_bytes` and kInvalidArgument naming
/// the byte offset if it is not well-formed UTF-8. `what` names the input in messages.
void check_text(std::string_view s, std::string_view what = "text", size_t max_bytes = kMaxTextBytes);

/// NFKC normalisation of valid UTF-8 (ASCII passes through without ICU). `out` is reused.
void nfkc(std::string_view s, std::string& out);
std::string nfkc(std::string_view s);

}  // namespace muse::text
