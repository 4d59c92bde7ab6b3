#!/usr/bin/env python3
"""Error analysis of continuation tags (genre + subgenre playlists), for the validation split.

Reads `muse eval continuation --details` output, the queries and the training playlists, and
prints, per query whose genre or subgenre is not at rank 1-2, what each single source of
evidence says (title words, the seeds' artists' training playlists, nearest training playlist
by mean audio), then the confusion of (true subgenre, predicted first subgenre).

usage: continuation_tag_errors.py DETAILS.jsonl QUERIES.jsonl TRAIN.jsonl TRACKS.csv.zst
"""
import collections
import csv
import io
import json
import math
import re
import subprocess
import sys

AUDIO = ["danceability", "energy", "loudness", "speechiness", "acousticness",
         "instrumentalness", "liveness", "valence", "tempo"]


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def words(t):
    return set(re.findall(r"\w+", t.lower()))


def main(details_p, queries_p, train_p, tracks_p):
    details = {d["id"]: d for d in jsonl(details_p)}
    queries = jsonl(queries_p)
    train = [{"title": p["plylst_title"], "tags": p["tags"], "tracks": p["songs"]}
             for p in jsonl(train_p)]
    raw = subprocess.run(["zstdcat", tracks_p], capture_output=True, check=True).stdout
    artist, audio = {}, {}
    for r in csv.DictReader(io.StringIO(raw.decode("utf-8"))):
        artist[r["track_id"]] = r["track_artist"].lower()
        try:
            audio[r["track_id"]] = [float(r[k]) for k in AUDIO]
        except ValueError:
            pass
    cols = list(zip(*audio.values()))
    mu = [sum(c) / len(c) for c in cols]
    sd = [math.sqrt(sum((x - m) ** 2 for x in c) / len(c)) or 1 for c, m in zip(cols, mu)]

    def mean_audio(ids):
        v = [[(x - m) / s for x, m, s in zip(audio[i], mu, sd)] for i in ids if i in audio]
        return [sum(c) / len(c) for c in zip(*v)] if v else None

    genres = {p["tags"][0] for p in train}
    art_sub = collections.defaultdict(collections.Counter)
    for p in train:
        for a in {artist.get(t) for t in p["tracks"]} - {None}:
            art_sub[a][p["tags"][1]] += 1
    train_audio = [(mean_audio(p["tracks"]), p["tags"][1]) for p in train]

    def by_title(name):
        w = words(name)
        votes = collections.Counter()
        for p in train:
            o = len(w & words(p["title"]))
            if o:
                votes[p["tags"][1]] += o
        return votes.most_common(1)[0][0] if votes else "-"

    def by_artist(seeds):
        votes = collections.Counter()
        for a in {artist.get(t) for t in seeds} - {None}:
            votes.update(art_sub[a])
        return votes.most_common(1)[0][0] if votes else "-"

    def by_audio(seeds):
        m = mean_audio(seeds)
        if m is None:
            return "-"
        best = min((sum((a - b) ** 2 for a, b in zip(m, v)), s) for v, s in train_audio if v)
        return best[1]

    confusion = collections.Counter()
    right = collections.Counter()
    misses = []
    for q in queries:
        d = details.get(q["id"])
        if not d:
            continue
        g, s = q["tags"][0], q["tags"][1]
        tags = d["tags"]
        pred_sub = next((t for t in tags if t not in genres), "-")
        confusion[(s, pred_sub)] += 1
        ev = {"title": by_title(q["name"]), "artist": by_artist(q["seeds"]),
              "audio": by_audio(q["seeds"])}
        for k, v in ev.items():
            right[k] += v == s
        right["model"] += pred_sub == s
        rg = tags.index(g) + 1 if g in tags else 99
        rs = tags.index(s) + 1 if s in tags else 99
        if rg > 2 or rs > 2:
            misses.append((d["tag_ndcg"], q["name"], g, s, rg, rs, pred_sub, ev))
    n = len(queries)
    print(f"{n} queries; genre or subgenre not at rank 1-2: {len(misses)}")
    print("tag_ndcg | title | genre/subgenre (rank) | predicted subgenre | title / artist / audio say")
    for t, name, g, s, rg, rs, ps, ev in sorted(misses):
        print(f"{t:.3f} | {name[:40]} | {g} ({rg}) / {s} ({rs}) | {ps} | "
              f"{ev['title']} / {ev['artist']} / {ev['audio']}")
    print("subgenre accuracy (top-1):", {k: f"{v}/{n}" for k, v in right.items()})
    print("confusion (true subgenre -> predicted first subgenre), off-diagonal:")
    for (s, p), c in sorted(confusion.items()):
        if s != p:
            print(f"  {s} -> {p}: {c}")
    print("diagonal:", sum(c for (s, p), c in confusion.items() if s == p), "of", n)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
