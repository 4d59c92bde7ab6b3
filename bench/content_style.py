#!/usr/bin/env python3
"""Style weight of "more like these", measured against a running `muse serve`.

  bench/content_style.py --url http://127.0.0.1:8080 [--playlists FILE.csv.zst] [--weights 0,0.25,0.5,1]

1. Seeds: the search hits (with genres) for 25 common words, shuffled with --seed; 300 single-seed
   and 100 three-seed queries. Per style weight: the share of the top 10 sharing a genre with the
   seeds, the mean audio z-distance to the seeds' mean (z-scored over the seed pool), and the
   HTTP latency p50/p95.
2. With --playlists (the spotify_playlists layout: playlist_id,...,track_id): every playlist with
   at least 4 genre-labelled songs gives 3 of them as seeds; hits of its other songs in the top 100.
"""
import argparse, collections, json, random, statistics as st, subprocess, time, urllib.request

FEATS = "danceability energy loudness speechiness acousticness instrumentalness liveness valence tempo".split()
WORDS = ("love night heart girl time life dream baby fire rain summer dance city blue gold world river "
         "moon home light road star sun sky wild").split()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--playlists")
    ap.add_argument("--weights", default="0,0.25,0.5,1")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    url = a.url.rstrip("/")

    def post(path, body):
        req = urllib.request.Request(url + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        return json.load(urllib.request.urlopen(req))

    def get(path):
        try:
            return json.load(urllib.request.urlopen(url + path))
        except urllib.error.HTTPError:
            return None

    weights = [float(w) for w in a.weights.split(",")]
    random.seed(a.seed)
    pool = [r for w in WORDS for r in get("/api/v1/tracks/search?q=%s&limit=40" % w)["results"] if r.get("genres")]
    random.shuffle(pool)
    vals = {f: [t["features"][f] for t in pool] for f in FEATS}
    mu = {f: st.mean(v) for f, v in vals.items()}
    sd = {f: st.pstdev(v) or 1 for f, v in vals.items()}
    z = lambda t: [(t["features"][f] - mu[f]) / sd[f] for f in FEATS]
    sets = (("1 seed", [[s] for s in pool[:300]]), ("3 seeds", [pool[300 + 3 * i:303 + 3 * i] for i in range(100)]))
    for w in weights:
        for name, queries in sets:
            agree = total = 0
            dists, lat = [], []
            for q in queries:
                t0 = time.perf_counter()
                recs = post("/api/v1/recommendations",
                            {"tracks": [s["track_id"] for s in q], "limit": 10, "style_weight": w})["recommendations"]
                lat.append((time.perf_counter() - t0) * 1000)
                genres = {g for s in q for g in s["genres"]}
                qz = [sum(c) / len(q) for c in zip(*[z(s) for s in q])]
                for x in recs:
                    total += 1
                    agree += bool(genres & set(x.get("genres") or []))
                    dists.append(sum((u - v) ** 2 for u, v in zip(qz, z(x))) ** 0.5)
            lat.sort()
            print("w=%.2f %-7s genre share %.3f  audio z-distance %.3f  p50 %.2f ms  p95 %.2f ms" %
                  (w, name, agree / total, st.mean(dists), lat[len(lat) // 2], lat[int(len(lat) * .95)]))
    if not a.playlists:
        return
    lines = subprocess.run(["zstdcat", "-f", a.playlists], capture_output=True, text=True, check=True).stdout.splitlines()[1:]
    playlists = collections.defaultdict(list)
    for line in lines:
        playlists[line.split(",")[0]].append(line.rsplit(",", 1)[1])
    cache = {}

    def genres_of(t):
        if t not in cache:
            cache[t] = (get("/api/v1/tracks/" + t) or {}).get("genres") or []
        return cache[t]

    random.seed(a.seed + 2)
    hits = {w: 0 for w in weights}
    hidden_total = n = 0
    for tracks in playlists.values():
        tracks = list(dict.fromkeys(tracks))
        labelled = [t for t in tracks if genres_of(t)]
        if len(labelled) < 4:
            continue
        random.shuffle(labelled)
        seeds = labelled[:3]
        hidden = set(tracks) - set(seeds)
        hidden_total += len(hidden)
        n += 1
        for w in weights:
            recs = post("/api/v1/recommendations", {"tracks": seeds, "limit": 100, "style_weight": w})["recommendations"]
            hits[w] += sum(r["track_id"] in hidden for r in recs)
    print("%d playlists with >= 4 genre-labelled songs, 3 as seeds" % n)
    for w in weights:
        print("w=%.2f hits in the top 100: %d of %d hidden (recall %.4f)" % (w, hits[w], hidden_total, hits[w] / hidden_total))


if __name__ == "__main__":
    main()
