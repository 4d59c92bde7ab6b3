// Browser test: a real `muse serve` on a loopback port over a fixture home, driven through
// headless Debian chromium with playwright-core. Search, add three tracks (keyboard and mouse),
// get recommendations, check they render with reasons and the profile chart, save screenshots.
//
// Env (set by CTest): MUSE_BINARY, MUSE_FIXTURES, MUSE_SOURCE_DIR, MUSE_NODE_MODULES,
// MUSE_ARTIFACTS, CHROMIUM (default /usr/bin/chromium).
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { artifacts, fixtures, launchBrowser, runMuse, sourceDir, startServer as serve } from "./harness.mjs";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "muse-browser-"));
const home = path.join(tmp, "home");
let server = null;
let context = null;

function log(...a) {
  console.log("[browser-test]", ...a);
}

async function startServer() {
  runMuse(home, ["import", "tracks", path.join(fixtures, "server", "tracks.csv")]);
  // A small popularity model in the home, for the Popularity page.
  runMuse(home, ["popularity", "train", "--train", path.join(fixtures, "server", "tracks.csv"),
                 "--features", "full", "--max-rounds", "30", "--nthread", "1"]);
  const started = await serve(home);
  server = started.server;
  return started.url;
}

async function addBySearch(page, query, how) {
  const input = page.locator("#search");
  await input.fill("");
  await input.pressSequentially(query, { delay: 30 });  // like typing: exercises the debounce
  const option = page.locator("#suggestions [role=option]").first();
  await option.waitFor({ state: "visible", timeout: 30000 });
  const name = await option.locator(".s-name").textContent();
  if (how === "keyboard") {
    await input.press("ArrowDown");
    assert.equal(await option.getAttribute("aria-selected"), "true", "ArrowDown highlights the first option");
    await input.press("Enter");
  } else {
    await option.click();
  }
  await page.locator("#my-songs .song .s-name", { hasText: name }).waitFor({ timeout: 30000 });
  log(`added "${name}" (${how})`);
  return name;
}

async function main() {
  const url = await startServer();
  log("server at", url);
  context = await launchBrowser(path.join(tmp, "profile"));
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(30000);  // generous: CI machines have two busy cores
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });

  await page.goto(url, { waitUntil: "networkidle" });
  assert.equal(await page.title(), "Discover · Muse");
  // The nav comes from pages.js.
  const navTitles = [...fs.readFileSync(path.join(sourceDir, "web", "js", "pages.js"), "utf8")
    .matchAll(/title: "([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(await page.locator("#nav a").allTextContents(), navTitles);
  assert.equal(await page.evaluate(() => typeof window.Chart), "function", "chart.js served under /vendor/");
  await page.locator("#status", { hasText: "48 tracks" }).waitFor({ timeout: 30000 });

  // The search box has focus on load; three songs: keyboard, mouse, keyboard.
  assert.equal(await page.evaluate(() => document.activeElement.id), "search");
  await addBySearch(page, "iron lan", "keyboard");
  await addBySearch(page, "skullmoth", "mouse");
  await addBySearch(page, "grave orch", "keyboard");
  assert.equal(await page.locator("#my-songs .song").count(), 3);

  // Escape closes suggestions.
  await page.locator("#search").pressSequentially("neon", { delay: 30 });
  await page.locator("#suggestions [role=option]").first().waitFor({ state: "visible" });
  await page.locator("#search").press("Escape");
  assert.equal(await page.locator("#suggestions").isHidden(), true);
  await page.locator("#search").fill("");

  await page.locator("#recommend").click();
  const recs = page.locator("#recs .rec");
  await recs.first().waitFor({ timeout: 30000 });
  const n = await recs.count();
  assert.ok(n >= 5, `expected at least 5 recommendations, got ${n}`);
  for (let i = 0; i < n; i++) {
    const reason = (await recs.nth(i).locator(".reason").textContent()).trim();
    assert.ok(reason.length > 10, `recommendation ${i} has a reason`);
    const match = await recs.nth(i).locator(".match").textContent();
    assert.match(match, /^\d+%$/);
  }
  // Metal seeds: the top recommendation is metal too (the fixture's genres sound different).
  assert.equal(await recs.first().locator(".chip").first().textContent(), "metal");
  // The chart compares the mean profile with the selected recommendation.
  await page.locator("#profile-chart").waitFor({ state: "visible" });
  const datasets = await page.evaluate(() => {
    const c = window.Chart.getChart("profile-chart");
    return c ? c.data.datasets.map((d) => ({ label: d.label, n: d.data.length })) : null;
  });
  assert.ok(datasets && datasets.length === 2, "radar chart with two datasets");
  assert.equal(datasets[0].label, "Your songs (mean)");
  assert.equal(datasets[1].n, 9);
  // Keyboard: focusing another recommendation selects it for the chart.
  await recs.nth(0).focus();
  await page.keyboard.press("ArrowDown");
  const second = (await recs.nth(1).locator(".s-name").textContent()).trim();
  await page.locator(".chart-title", { hasText: second }).waitFor({ timeout: 30000 });
  assert.ok(await recs.nth(1).evaluate((e) => e.classList.contains("selected")));
  await recs.nth(0).focus();
  await page.waitForTimeout(400);  // chart animation

  const shot = path.join(artifacts, "discover.png");
  await page.screenshot({ path: shot, fullPage: true });
  log("screenshot", shot);

  // Narrow screens: one column, still usable.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(artifacts, "discover-mobile.png"), fullPage: false });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no horizontal scrolling on mobile (overflow ${overflow}px)`);

  // Another page plugs in through pages.js.
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.locator("#nav a", { hasText: "API" }).click();
  await page.locator("table.routes code", { hasText: "/api/v1/recommendations" }).waitFor();
  await page.screenshot({ path: path.join(artifacts, "api.png") });

  // Popularity: validation scatter, importance bars, and a track's contributions waterfall
  // whose bias + contributions equal the prediction.
  const someId = fs.readFileSync(path.join(fixtures, "server", "tracks.csv"), "utf8").split("\n")[1].split(",")[0];
  await page.goto(url + `#/popularity?track=${someId}`, { waitUntil: "networkidle" });
  await page.locator("circle.pop-dot").first().waitFor({ timeout: 10000 });
  assert.ok(await page.locator(".pop-bars li").count() > 0, "importance bars are drawn");
  await page.locator(".pop-explain svg rect").first().waitFor({ timeout: 10000 });
  const summary = await page.locator(".pop-explain p").first().textContent();
  const predicted = Number(summary.match(/predicted ([\d.]+)/)[1]);
  const summed = Number(summary.match(/contributions = ([-\d.]+)/)[1]);
  assert.ok(Math.abs(predicted - summed) < 0.06, `contributions sum to the prediction: ${summary}`);
  await page.screenshot({ path: path.join(artifacts, "popularity.png"), fullPage: true });

  // My songs survive a reload (localStorage).
  // (A hash-only goto does not reload and the page mounts asynchronously: reload, then wait.)
  await page.goto(url + "#/discover", { waitUntil: "networkidle" });
  await page.reload({ waitUntil: "networkidle" });
  await page.locator("#my-songs .song").nth(2).waitFor({ timeout: 5000 });
  assert.equal(await page.locator("#my-songs .song").count(), 3);

  assert.deepEqual(problems, [], "no console or page errors");
  log("ok");
}

let failed = false;
const watchdog = setTimeout(() => { console.error("browser test timed out"); process.exit(1); }, 150000);
try {
  await main();
} catch (e) {
  failed = true;
  console.error("[browser-test] FAILED:", e && e.stack ? e.stack : e);
} finally {
  if (context) await context.close().catch(() => {});
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.on("exit", (code) => r(code)));
    server.kill("SIGTERM");
    const code = await exited;
    if (code !== 0) {
      console.error(`[browser-test] server exited with ${code} after SIGTERM`);
      failed = true;
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  clearTimeout(watchdog);
}
process.exit(failed ? 1 : 0);
