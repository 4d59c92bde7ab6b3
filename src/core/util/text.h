#pragma once
/// Small text helpers shared by importers and the API: UTF-8 validation and the
/// normalised keys used to spot duplicate songs.
#include <string>
#include <string_view>
#include <vector>

namespace muse {

/// True if `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// Byte offset of the first invalid UTF-8 sequence, or npos.
size_t first_invalid_utf8(std::string_view s);

/// Lower-cased, accent-stripped (NFKD minus marks), punctuation folded to spaces,
/// whitespace collapsed: "Beyoncé - Halo (Remastered)" -> "beyonce halo remastered".
std::string fold_key(std::string_view s);

/// The title without a version suffix: "Here Comes The Sun - Remastered 2009" -> "Here Comes The
/// Sun", "Halo (Live)" -> "Halo". Used so searches and duplicate checks see through re-releases.
std::string_view base_title(std::string_view name);

std::vector<std::string> split(std::string_view s, char sep, bool skip_empty = true);
std::string_view trim(std::string_view s);
std::string join(const std::vector<std::string>& v, std::string_view sep);

}  // namespace muse
