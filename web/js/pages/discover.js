// Discover: search with autocomplete, build "my songs", get recommendations with reasons,
// and compare the listener's mean audio profile with each recommendation.
import { feedbackControls, newListId } from "../feedback.js";
import { el, debounce, artistsText } from "../ui.js";

// Audio features on a 0..1 scale for charts: most are already 0..1; tempo and loudness are mapped.
const AXES = [
  { key: "danceability", label: "Dance" },
  { key: "energy", label: "Energy", short: "Enrgy" },
  { key: "valence", label: "Mood" },
  { key: "acousticness", label: "Acoustic", short: "Acou" },
  { key: "instrumentalness", label: "Instrumental", short: "Instr" },
  { key: "speechiness", label: "Speech", short: "Spch" },
  { key: "liveness", label: "Live" },
  { key: "tempo", label: "Tempo", scale: (v) => (v - 50) / 150 },
  { key: "loudness", label: "Loud", scale: (v) => (v + 40) / 40 },
];
const clamp01 = (x) => Math.max(0, Math.min(1, x));

function profileOf(track) {
  const f = track.features || {};
  return AXES.map((a) => {
    const v = f[a.key];
    if (typeof v !== "number") return null;
    return clamp01(a.scale ? a.scale(v) : v);
  });
}

function meanProfile(tracks) {
  const sums = AXES.map(() => 0);
  const counts = AXES.map(() => 0);
  for (const t of tracks) {
    profileOf(t).forEach((v, i) => {
      if (v !== null) {
        sums[i] += v;
        counts[i] += 1;
      }
    });
  }
  return sums.map((s, i) => (counts[i] ? s / counts[i] : 0));
}

let cleanup = [];

export function unmount() {
  for (const fn of cleanup) fn();
  cleanup = [];
}

export async function mount(root, ctx) {
  const { api, store, toast, errorText } = ctx;
  let recs = [];
  let listId = "";
  let selected = 0;
  let chart = null;

  // ---------------------------------------------------------------- layout
  const input = el("input", {
    id: "search", type: "search", class: "search-input", autocomplete: "off", spellcheck: "false",
    placeholder: "Search songs, artists or albums…", role: "combobox", "aria-expanded": "false",
    "aria-controls": "suggestions", "aria-autocomplete": "list", "aria-label": "Search tracks",
  });
  const listbox = el("ul", { id: "suggestions", class: "suggestions", role: "listbox", hidden: true });
  const songsList = el("ol", { class: "songs", id: "my-songs", "aria-label": "My songs" });
  const songsCount = el("span", { class: "count" });
  const limitSel = el("select", { id: "limit", "aria-label": "How many recommendations" },
    ...[5, 10, 20, 30].map((n) => el("option", { value: n, selected: n === 10 }, `${n} songs`)));
  const genreSel = el("select", { id: "genre", "aria-label": "Genre filter" },
    el("option", { value: "" }, "Any genre"));
  // How much sharing the seeds' genres counts next to sound (the API's style_weight).
  const styleSel = el("select", { id: "style", "aria-label": "Match on" },
    ...[["0", "Sound only"], ["0.5", "Sound + genre"], ["1", "Mostly same genre"]].map(([v, t]) =>
      el("option", { value: v, selected: v === "0.5" }, t)));
  const recButton = el("button", { id: "recommend", class: "btn primary", type: "button" }, "Recommend");
  const clearButton = el("button", { class: "btn ghost", type: "button" }, "Clear");
  const recList = el("ol", { class: "recs", id: "recs", "aria-label": "Recommendations" });
  const recStatus = el("p", { class: "muted", role: "status" });
  const chartCanvas = el("canvas", { id: "profile-chart", "aria-label": "Audio profile comparison", role: "img" });
  const chartTitle = el("h3", { class: "chart-title" }, "Audio profile");
  const chartNote = el("p", { class: "muted small" });
  const chartBox = el("figure", { class: "chart-box", hidden: true }, chartTitle,
    el("div", { class: "chart-wrap" }, chartCanvas), chartNote);

  root.append(
    el("section", { class: "hero" },
      el("h1", {}, "Find more music like the music you love"),
      el("p", { class: "muted" },
        "Add a few songs, then Muse looks for tracks with the same sound (energy, mood, tempo, acoustics), in your songs' genres first unless you pick “Sound only”.")),
    el("div", { class: "grid" },
      el("div", { class: "col" },
        el("section", { class: "card", "aria-labelledby": "h-search" },
          el("h2", { id: "h-search" }, "Search"),
          el("div", { class: "combo" }, input, listbox),
          el("p", { class: "hint" }, el("kbd", {}, "↑"), el("kbd", {}, "↓"), " to choose, ",
            el("kbd", {}, "Enter"), " to add, ", el("kbd", {}, "Esc"), " to close")),
        el("section", { class: "card", "aria-labelledby": "h-songs" },
          el("div", { class: "card-head" }, el("h2", { id: "h-songs" }, "My songs ", songsCount), clearButton),
          songsList,
          el("div", { class: "controls" }, limitSel, genreSel, styleSel, recButton))),
      el("div", { class: "col wide" },
        el("section", { class: "card", "aria-labelledby": "h-recs" },
          el("h2", { id: "h-recs" }, "Recommendations"),
          recStatus,
          el("p", { class: "legend", "aria-hidden": "true" },
            el("span", {}, el("i", { class: "you" }), "your songs (mean)"),
            el("span", {}, el("i", { class: "them" }), "recommended track")),
          el("div", { class: "recs-layout" },
            recList,
            chartBox)))));

  // ---------------------------------------------------------------- autocomplete
  let suggestions = [];
  let active = -1;
  let inflight = null;

  function closeSuggestions() {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function setActive(i) {
    const items = listbox.querySelectorAll("[role=option]");
    if (!items.length) return;
    active = (i + items.length) % items.length;
    items.forEach((li, j) => li.setAttribute("aria-selected", j === active ? "true" : "false"));
    input.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }

  function renderSuggestions(q) {
    listbox.replaceChildren();
    if (!suggestions.length) {
      listbox.append(el("li", { class: "empty" }, `No tracks match “${q}”`));
    }
    suggestions.forEach((t, i) => {
      const added = store.has(t.track_id);
      listbox.append(el("li", {
        id: `sugg-${i}`, role: "option", "aria-selected": "false", class: added ? "added" : "",
        "data-id": t.track_id,
        onmousedown: (e) => { e.preventDefault(); choose(i); },
        onmousemove: () => { if (active !== i) setActive(i); },
      },
        el("span", { class: "s-name" }, t.name),
        el("span", { class: "s-meta" }, artistsText(t), t.genres && t.genres.length ? ` · ${t.genres[0]}` : ""),
        added ? el("span", { class: "s-tag" }, "added") : null));
    });
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  }

  const search = debounce(async () => {
    const q = input.value.trim();
    if (inflight) inflight.abort();
    if (q.length < 2) {
      closeSuggestions();
      return;
    }
    inflight = new AbortController();
    try {
      const r = await api.get("/api/v1/tracks/search", { q, limit: 8 }, { signal: inflight.signal });
      if (input.value.trim() !== q) return;
      suggestions = r.results;
      renderSuggestions(q);
    } catch (e) {
      if (e.name === "AbortError") return;
      if (e.status === 400) {  // e.g. only punctuation: nothing to search for
        suggestions = [];
        renderSuggestions(q);
        return;
      }
      toast(errorText(e));
    }
  }, 150);

  function choose(i) {
    const t = suggestions[i];
    if (!t) return;
    if (store.add(t)) toast(`Added “${t.name}”`, "ok");
    else if (store.has(t.track_id)) toast(`“${t.name}” is already in your songs`, "info");
    else toast("Your list is full (50 songs)", "info");
    input.value = "";
    closeSuggestions();
    input.focus();
  }

  input.addEventListener("input", search);
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (listbox.hidden && suggestions.length) listbox.hidden = false;
      setActive(active + 1);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive(active - 1);
    } else if (e.key === "Enter") {
      if (!listbox.hidden && suggestions.length) {
        e.preventDefault();
        choose(active >= 0 ? active : 0);
      }
    } else if (e.key === "Escape") {
      closeSuggestions();
    }
  });
  input.addEventListener("blur", () => setTimeout(closeSuggestions, 100));

  // ---------------------------------------------------------------- my songs
  function renderSongs() {
    const songs = store.songs;
    songsCount.textContent = songs.length ? `(${songs.length})` : "";
    recButton.disabled = songs.length === 0;
    clearButton.hidden = songs.length === 0;
    songsList.replaceChildren();
    if (!songs.length) {
      songsList.append(el("li", { class: "empty" }, "Search above and add a few songs you like."));
      return;
    }
    for (const s of songs) {
      songsList.append(el("li", { class: "song", "data-id": s.track_id },
        el("div", { class: "song-text" },
          el("span", { class: "s-name" }, s.name),
          el("span", { class: "s-meta" }, artistsText(s))),
        el("button", {
          class: "icon-btn", type: "button", "aria-label": `Remove ${s.name}`, title: "Remove",
          onclick: () => store.remove(s.track_id),
        }, "×")));
    }
  }
  const onStore = () => {
    renderSongs();
    if (recs.length) renderChart();
  };
  store.addEventListener("change", onStore);
  cleanup.push(() => store.removeEventListener("change", onStore));
  clearButton.addEventListener("click", () => store.clear());
  renderSongs();

  // ---------------------------------------------------------------- recommendations
  function miniBars(you, them) {
    return el("div", { class: "mini", "aria-hidden": "true" },
      ...AXES.map((a, i) => el("div", { class: "mini-row", title: a.label },
        el("span", { class: "mini-label" }, a.short || a.label),
        el("span", { class: "mini-track" },
          el("span", { class: "bar you", style: `height:${Math.max(4, Math.round(you[i] * 100))}%` }),
          el("span", { class: "bar them", style: `height:${Math.max(4, Math.round((them[i] ?? 0) * 100))}%` })))));
  }

  function select(i) {
    selected = i;
    recList.querySelectorAll(".rec").forEach((li, j) => li.classList.toggle("selected", j === i));
    renderChart();
  }

  function renderRecs() {
    const you = meanProfile(store.songs);
    recList.replaceChildren();
    recs.forEach((r, i) => {
      const inList = store.has(r.track_id);
      const li = el("li", {
        class: "rec" + (i === selected ? " selected" : ""), tabindex: "0", "data-id": r.track_id,
        "aria-label": `${r.name} by ${artistsText(r)}, ${Math.round(r.score * 100)}% match`,
        onclick: () => select(i),
        onfocus: () => select(i),
        onkeydown: (e) => {
          if (e.key === "ArrowDown" && li.nextElementSibling) { e.preventDefault(); li.nextElementSibling.focus(); }
          if (e.key === "ArrowUp" && li.previousElementSibling) { e.preventDefault(); li.previousElementSibling.focus(); }
          if (e.key === "+" || e.key === "a") addRec(r, li);
        },
      },
        el("div", { class: "rec-head" },
          el("span", { class: "rank" }, String(i + 1)),
          el("div", { class: "rec-title" },
            el("span", { class: "s-name" }, r.name),
            el("span", { class: "s-meta" }, artistsText(r), r.album ? ` · ${r.album}` : "")),
          el("span", { class: "match", title: "similarity to your songs" }, `${Math.round(r.score * 100)}%`),
          el("button", {
            class: "icon-btn add", type: "button", disabled: inList,
            "aria-label": `Add ${r.name} to my songs`, title: inList ? "In your songs" : "Add to my songs",
            onclick: (e) => { e.stopPropagation(); addRec(r, li); },
          }, inList ? "✓" : "+")),
        el("p", { class: "reason" }, r.reason),
        el("div", { class: "rec-foot" },
          el("div", { class: "chips" }, ...(r.genres || []).slice(0, 3).map((g) => el("span", { class: "chip" }, g))),
          miniBars(you, profileOf(r))),
        feedbackControls(r, { source: "discover", listId, ctx }));
      recList.append(li);
    });
  }

  function addRec(r, li) {
    if (store.add(r)) {
      toast(`Added “${r.name}”`, "ok");
      const b = li.querySelector(".add");
      b.disabled = true;
      b.textContent = "✓";
    }
  }

  function renderChart() {
    const r = recs[selected];
    chartBox.hidden = !r;
    if (!r) return;
    const you = meanProfile(store.songs);
    const them = profileOf(r).map((v) => v ?? 0);
    chartTitle.textContent = `Your songs vs “${r.name}”`;
    chartNote.textContent = "Mean audio profile of your songs compared with the selected recommendation. " +
      "Select another recommendation to compare.";
    if (!window.Chart) {
      chartNote.textContent = "Chart library not installed (run the build with npm available); " +
        "the bars in each recommendation show the same comparison.";
      chartCanvas.hidden = true;
      return;
    }
    const labels = AXES.map((a) => a.label);
    if (!chart) {
      const css = getComputedStyle(document.documentElement);
      const youColor = css.getPropertyValue("--you").trim() || "#8b5cf6";
      const themColor = css.getPropertyValue("--them").trim() || "#14b8a6";
      const grid = css.getPropertyValue("--grid").trim() || "rgba(0,0,0,.1)";
      const text = css.getPropertyValue("--muted").trim() || "#666";
      chart = new window.Chart(chartCanvas, {
        type: "radar",
        data: {
          labels,
          datasets: [
            { label: "Your songs (mean)", data: you, borderColor: youColor, backgroundColor: youColor + "33",
              pointBackgroundColor: youColor, borderWidth: 2 },
            { label: r.name, data: them, borderColor: themColor, backgroundColor: themColor + "33",
              pointBackgroundColor: themColor, borderWidth: 2 },
          ],
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: { duration: 250 },
          scales: {
            r: { min: 0, max: 1, ticks: { display: false, stepSize: 0.25 }, grid: { color: grid },
                 angleLines: { color: grid }, pointLabels: { color: text, font: { size: 12 } } },
          },
          plugins: {
            legend: { position: "bottom", labels: { color: text, boxWidth: 12 } },
            tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${Math.round(c.raw * 100)}%` } },
          },
        },
      });
      cleanup.push(() => chart && chart.destroy());
    } else {
      chart.data.datasets[0].data = you;
      chart.data.datasets[1].data = them;
      chart.data.datasets[1].label = r.name;
      chart.update();
    }
  }

  async function recommend() {
    const tracks = store.songs.map((s) => s.track_id);
    if (!tracks.length) return;
    recButton.disabled = true;
    recButton.classList.add("busy");
    recStatus.textContent = "Finding songs…";
    try {
      const body = { tracks, limit: Number(limitSel.value), style_weight: Number(styleSel.value) };
      if (genreSel.value) body.genre = genreSel.value;
      const r = await api.post("/api/v1/recommendations", body);
      recs = r.recommendations;
      listId = newListId("discover");
      selected = 0;
      recStatus.textContent = recs.length
        ? `${recs.length} songs that sound like your ${tracks.length === 1 ? "song" : tracks.length + " songs"}`
        : "Nothing found with these filters. Try another genre.";
      renderRecs();
      renderChart();
    } catch (e) {
      recStatus.textContent = "";
      toast(errorText(e));
    } finally {
      recButton.disabled = store.songs.length === 0;
      recButton.classList.remove("busy");
    }
  }
  recButton.addEventListener("click", recommend);
  recStatus.textContent = "Add songs, then press Recommend.";

  // Genres for the filter (optional: the page works without them).
  api.get("/api/v1/genres").then((r) => {
    for (const g of r.genres) genreSel.append(el("option", { value: g }, g));
  }).catch(() => {});

  input.focus();
}
