#include "listeners/catalog_helpers.h"

#include <cstdio>
#include <fstream>
#include <random>

namespace muse::test {

std::string synthetic_track_id(int band, int song) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "trk%08dx%010d", band, song);
  return buf;
}

void write_synthetic_tracks(const std::filesystem::path& path, int bands, int songs) {
  std::ofstream csv(path);
  csv << "track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,"
         "energy,key,"
         "loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,time_"
         "signature,"
         "track_genre\n";
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(0, 1), n(-0.03, 0.03);
  for (int a = 0; a < bands; ++a) {
    double c[9];
    for (double& x : c) x = u(rng);
    for (int i = 0; i < songs; ++i) {
      csv << synthetic_track_id(a, i) << ",Band " << a << ",Album " << a << ",Song " << a << "-"
          << i << ",50,200000,False," << c[0] + n(rng) << "," << c[1] + n(rng) << ",5,"
          << -30 + 30 * (c[2] + n(rng)) << ",1," << c[3] * 0.3 + n(rng) << "," << c[4] + n(rng)
          << "," << c[5] + n(rng) << "," << c[6] + n(rng) << "," << c[7] + n(rng) << ","
          << 60 + 120 * c[8] << ",4,pop\n";
    }
  }
}

}  // namespace muse::test
