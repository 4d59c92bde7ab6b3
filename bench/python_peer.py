#!/usr/bin/python3
"""The seed projects' "more like these" in Python, for comparison with `muse bench knn`.

pandas + scikit-learn: StandardScaler over the same nine audio features Muse uses, the query is
a (perturbed) track vector, brute-force Euclidean NearestNeighbors, one query at a time.
Writes the top-10 neighbour ids of the first 100 queries so Muse's exact index can be checked
for equal results (bench/compare_peer.sh).

Needs Debian's python3-pandas and python3-sklearn (not a Muse dependency; benchmark only).
Usage: bench/python_peer.py TRACKS.csv[.zst] [--queries 1000] [--out neighbours.json]
"""
import argparse, io, json, subprocess, sys, time

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

FEATURES = ["danceability", "energy", "loudness", "speechiness", "acousticness",
            "instrumentalness", "liveness", "valence", "tempo"]

ap = argparse.ArgumentParser()
ap.add_argument("tracks")
ap.add_argument("--queries", type=int, default=1000)
ap.add_argument("--out", default="")
a = ap.parse_args()

if a.tracks.endswith(".zst"):
    raw = subprocess.run(["zstd", "-dc", a.tracks], check=True, capture_output=True).stdout
    df = pd.read_csv(io.BytesIO(raw))
else:
    df = pd.read_csv(a.tracks)
df = df.drop_duplicates("track_id").sort_values("track_id").reset_index(drop=True)
X = StandardScaler().fit_transform(df[FEATURES].astype(float).values).astype(np.float32)
nn = NearestNeighbors(n_neighbors=11, algorithm="brute", metric="euclidean").fit(X)

rng = np.random.default_rng(7)
rows = rng.integers(0, len(df), a.queries)
lat = []
neighbours = {}
for i, r in enumerate(rows):
    t = time.perf_counter()
    q = X[r:r + 1]                      # the listener's mean vector (one seed)
    dist, idx = nn.kneighbors(q)
    lat.append((time.perf_counter() - t) * 1e6)
    if i < 100:
        ids = [df.track_id[j] for j in idx[0] if j != r][:10]
        neighbours[df.track_id[r]] = ids
lat = np.array(lat)
res = {"tracks": int(len(df)), "queries": a.queries, "p50_us": float(np.percentile(lat, 50)),
       "p99_us": float(np.percentile(lat, 99)), "qps": float(a.queries / (lat.sum() / 1e6))}
print(json.dumps(res))
if a.out:
    json.dump(neighbours, open(a.out, "w"))
