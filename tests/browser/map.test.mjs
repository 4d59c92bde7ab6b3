// Browser test of the map page: `muse serve` over the fixture home with micro-genres built,
// driven through headless chromium. Loads the map, hovers and clicks a point, adds it to "my
// songs" (highlighted on the map), asks for more from its micro-genre, zooms, pans and jumps to
// a cluster; reports load and frame times. With MUSE_MAP_HOME set it runs against that home
// instead (e.g. the real 116k catalogue) and only measures.
//
// Env (set by CTest): MUSE_BINARY, MUSE_FIXTURES, MUSE_SOURCE_DIR, MUSE_NODE_MODULES,
// MUSE_ARTIFACTS, CHROMIUM (default /usr/bin/chromium).
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { artifacts, fixtures, launchBrowser, runMuse, startServer as serve } from "./harness.mjs";

const realHome = process.env.MUSE_MAP_HOME || "";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "muse-map-"));
const home = realHome || path.join(tmp, "home");
let server = null;
let context = null;
const log = (...a) => console.log("[map-test]", ...a);

async function startServer() {
  if (!realHome) {
    runMuse(home, ["import", "tracks", path.join(fixtures, "server", "tracks.csv")]);
    // Playlists: the micro-genres are clustered on audio + co-occurrence factors.
    runMuse(home, ["import", "playlists", path.join(fixtures, "explore", "playlists.csv")]);
    runMuse(home, ["clusters", "build", "--k", "5", "--epochs", "100"]);
  }
  const started = await serve(home);
  server = started.server;
  return started.url;
}

async function frameStats(page, label) {
  const s = await page.evaluate(() => ({ ...window.__museMap }));
  const avg = s.frames ? s.drawMs / s.frames : 0;
  log(`${label}: ${s.points} points drawn, ${s.frames} frames, mean draw ${avg.toFixed(2)} ms, ` +
      `max ${s.maxDrawMs.toFixed(2)} ms, ${s.fetches} fetches, last fetch ${s.lastFetchMs.toFixed(0)} ms, ` +
      `first load ${s.firstLoadMs.toFixed(0)} ms`);
  return s;
}

async function main() {
  const url = await startServer();
  log("server at", url);
  context = await launchBrowser(path.join(tmp, "profile"));
  const page = context.pages()[0] || await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });

  const t0 = Date.now();
  await page.goto(url + "#/map", { waitUntil: "networkidle" });
  await page.locator("#map-status", { hasText: "tracks in view" }).waitFor({ timeout: 30000 });
  log(`map page ready in ${Date.now() - t0} ms (navigation to first points drawn)`);
  assert.equal(await page.title(), "Map · Muse");
  assert.ok((await page.locator("#nav a").allTextContents()).includes("Map"));
  let s = await frameStats(page, "initial view");
  assert.ok(s.frames >= 1 && s.points > 0, "points drawn");
  if (!realHome) {
    assert.match(await page.locator("#map-status").textContent(), /^48 of 48 tracks/);
    assert.match(await page.locator("#map-intro").textContent(), /share playlists \(4 playlists\)/);
  }

  const box = await page.locator("#map-canvas").boundingBox();
  // Hover a point: tooltip with the track.
  const p0 = await page.evaluate(() => window.__museMapPoint(0));
  await page.mouse.move(box.x + p0.x, box.y + p0.y);
  await page.locator(".map-tip").waitFor({ state: "visible", timeout: 5000 });
  const tipText = await page.locator(".map-tip strong").textContent();
  assert.ok(tipText.length > 0, "tooltip names the track");
  log("hover:", tipText);

  // Click it: the cluster panel opens with a description and popular tracks.
  await page.mouse.click(box.x + p0.x, box.y + p0.y);
  await page.locator("#cluster-name").waitFor({ timeout: 10000 });
  const clusterName = await page.locator("#cluster-name").textContent();
  assert.ok(clusterName.length > 3);
  assert.ok(await page.locator(".cluster-tracks li").count() >= 1);
  log("cluster:", clusterName);

  if (!realHome) {
    // Add the clicked track to my songs: it is highlighted on the map.
    await page.locator("#add-track").click();
    await page.waitForFunction(() => window.__museMap && window.__museMap.mine === 1, null, { timeout: 5000 });
    assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem("muse.mySongs.v1")).length), 1);
  }
  // More from this micro-genre.
  await page.locator("#more-like").click();
  await page.locator("#more-list li").first().waitFor({ timeout: 10000 });
  log(`more from this micro-genre: ${await page.locator("#more-list li").count()} tracks`);

  // Zoom in around the point (wheel) and pan (drag): new regions are fetched.
  const before = (await frameStats(page, "before zoom")).fetches;
  for (let i = 0; i < 6; i++) {
    await page.mouse.move(box.x + p0.x, box.y + p0.y);
    await page.mouse.wheel(0, -240);
    await page.waitForTimeout(30);
  }
  await page.waitForFunction((b) => window.__museMap.fetches > b, before, { timeout: 10000 });
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  for (let i = 1; i <= 20; i++) await page.mouse.move(box.x + box.width / 2 + i * 8, box.y + box.height / 2 + i * 4);
  await page.mouse.up();
  await page.waitForTimeout(400);
  s = await frameStats(page, "after zoom + pan");
  assert.ok(s.frames > 10, "interaction redraws");
  await page.screenshot({ path: path.join(artifacts, "map-zoomed.png") });

  // Jump to a micro-genre from the list.
  await page.locator("#reset-view").click();
  const options = await page.locator("#cluster-select option").count();
  assert.ok(options >= 2);
  const picked = (await page.locator("#cluster-select option").nth(1).textContent()).replace(/ \(\d+\)$/, "");
  const tOpen = Date.now();
  await page.locator("#cluster-select").selectOption({ index: 1 });
  await page.locator("#cluster-name", { hasText: picked }).waitFor({ timeout: 10000 });
  assert.ok(await page.locator(".cluster-tracks li").count() >= 1, "the chosen cluster lists its tracks");
  log(`opened micro-genre "${picked}" from the list in ${Date.now() - tOpen} ms`);
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(artifacts, "map.png") });

  // Frame cost of the full view: 60 synchronous redraws of the points it holds.
  await page.locator("#reset-view").click();
  await page.waitForTimeout(600);
  const frame = await page.evaluate(() => {
    const t = performance.now();
    for (let i = 0; i < 60; i++) window.__museMapDraw();
    return { ms: (performance.now() - t) / 60, points: window.__museMap.points };
  });
  log(`full view: ${frame.points} points, ${frame.ms.toFixed(2)} ms per frame (${(1000 / Math.max(frame.ms, 0.01)).toFixed(0)} fps possible)`);
  await page.screenshot({ path: path.join(artifacts, "map-full.png") });

  assert.deepEqual(problems, [], "no console or page errors");
  log("ok");
}

let failed = false;
const watchdog = setTimeout(() => { console.error("map test timed out"); process.exit(1); }, 170000);
try {
  await main();
} catch (e) {
  failed = true;
  console.error("[map-test] FAILED:", e && e.stack ? e.stack : e);
} finally {
  if (context) await context.close().catch(() => {});
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.on("exit", (code) => r(code)));
    server.kill("SIGTERM");
    await exited;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  clearTimeout(watchdog);
}
process.exit(failed ? 1 : 0);
