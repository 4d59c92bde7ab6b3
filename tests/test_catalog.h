#pragma once
// Synthetic catalogues for tests: deterministic, written as real CSV in the 114k layout.
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>

namespace muse::testing {

/// Writes `n` tracks (artists "Artist 0..", genres "g0".."g4") to `path` and returns it.
inline std::filesystem::path write_synthetic_catalog(const std::filesystem::path& path, int n,
                                                     unsigned seed = 42, int artists = 50) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::ofstream out(path);
  out << "track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,energy,"
         "key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,"
         "time_signature,track_genre\n";
  for (int i = 0; i < n; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "syn%019d", i);
    out << id << ",Artist " << (i % artists) << ",Album " << i / 10 << ",Song " << i << ","
        << (i * 37) % 101 << "," << 180000 + i << "," << (i % 7 == 0 ? "True" : "False") << ","
        << u(rng) << "," << u(rng) << "," << i % 12 << "," << -20 + 18 * u(rng) << "," << i % 2
        << "," << 0.3f * u(rng) << "," << u(rng) << "," << u(rng) * u(rng) << "," << 0.5f * u(rng)
        << "," << u(rng) << "," << 60 + 120 * u(rng) << ",4,g" << i % 5 << "\n";
  }
  return path;
}

/// A temp file or directory name unique to this process ("stem_PID.ext"): ctest runs test
/// processes side by side (and reruns some binaries with other filters), so a fixed name in
/// /tmp is shared between them. Nothing is created.
inline std::filesystem::path temp_path(const std::string& name) {
  const std::filesystem::path n(name);
  return std::filesystem::temp_directory_path() /
         (n.stem().string() + "_" + std::to_string(::getpid()) + n.extension().string());
}

/// A fresh temp directory named after the running test.
inline std::filesystem::path temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("muse_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace muse::testing
