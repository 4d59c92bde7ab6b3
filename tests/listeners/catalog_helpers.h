#pragma once
#include <filesystem>
#include <string>

namespace muse::test {
/// Writes a synthetic Spotify-114k-layout CSV: `bands` artists ("Band N") x `songs` songs,
/// each band with its own sound. Track ids come from synthetic_track_id(band, song).
void write_synthetic_tracks(const std::filesystem::path& csv, int bands, int songs);
std::string synthetic_track_id(int band, int song);
}  // namespace muse::test
