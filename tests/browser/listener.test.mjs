// Browser test of the listener pages (issue 7): signed out the feedback buttons invite signing
// in; sign in (create a listener, token shown once, kept in localStorage); like and hide an
// artist on Discover; For you leaves the hidden artist out, and hiding another artist there then
// "Refresh" drops it; rating and undo; the diary (#/mood) with its pie chart; a chat in English
// until the gauge is full, with the pie chart and songs; the history page shows the chat's mood
// on the timeline and the liked songs, with undo. Screenshots in build/test-artifacts/.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { artifacts, fixtures, launchBrowser, runMuse, startServer, trainFixtureEmotionModel } from "./harness.mjs";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "muse-browser-listener-"));
const home = path.join(tmp, "home");
let server = null;
let context = null;
const log = (...a) => console.log("[listener-test]", ...a);
const shot = (page, name) => page.screenshot({ path: path.join(artifacts, name), fullPage: true });

async function addBySearch(page, query) {
  const input = page.locator("#search");
  await input.fill("");
  await input.pressSequentially(query, { delay: 20 });
  const option = page.locator("#suggestions [role=option]").first();
  await option.waitFor({ state: "visible" });
  await input.press("ArrowDown");
  await input.press("Enter");
  await page.locator("#my-songs .song").filter({ hasText: query.split(" ")[0] }).first().waitFor();
}

/// The listener's feedback as the server has it (the page's token, from localStorage).
async function serverFeedback(page) {
  return page.evaluate(async () => {
    const s = JSON.parse(localStorage.getItem("muse.session.v1"));
    const r = await fetch(`/api/v1/listeners/${s.listener.id}/feedback?limit=100`,
                          { headers: { Authorization: `Bearer ${s.token}` } });
    return (await r.json()).feedback;
  });
}

async function main() {
  runMuse(home, ["import", "tracks", path.join(fixtures, "server", "tracks.csv")]);
  trainFixtureEmotionModel(home, tmp);
  const started = await startServer(home);
  server = started.server;
  const url = started.url;
  log("server at", url);
  context = await launchBrowser(path.join(tmp, "profile"));
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(30000);
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    // A 400/401 the page handles (e.g. For you before any feedback) is logged by chromium as a
    // failed resource load; anything else is a problem.
    if (m.type() === "error" && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) {
      problems.push(`console error: ${m.text()}`);
    }
  });

  // ---- Discover signed out: the buttons invite signing in.
  await page.goto(url, { waitUntil: "networkidle" });
  await page.locator("#status", { hasText: "48 tracks" }).waitFor();
  await addBySearch(page, "iron lan");
  await addBySearch(page, "grave orch");
  await page.locator("#recommend").click();
  const recs = page.locator("#recs .rec");
  await recs.first().waitFor();
  await recs.first().locator(".fb-like").click();
  await page.locator("#account-dialog[open]").waitFor();
  assert.ok(await recs.first().locator(".fb").evaluate((e) => e.classList.contains("signed-out")),
            "signed out, the controls say so");

  // ---- Sign in: create a listener; the token is shown once and kept in localStorage.
  await page.locator("#account-name").fill("Ann");
  await page.locator("#account-create button[type=submit]").click();
  const token = await page.locator("#account-new-token").inputValue();
  assert.match(token, /^mt_/, "the new token is shown");
  await shot(page, "listener-token.png");
  await page.locator("#account-done").click();
  await page.locator("#account-button", { hasText: "Ann" }).waitFor();
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("muse.session.v1")));
  assert.equal(stored.token, token);
  assert.equal(stored.listener.name, "Ann");

  // ---- Discover signed in: like the first song, hide the second song's artist.
  await page.locator("#recommend").click();
  await recs.first().waitFor();
  const liked = await recs.first().getAttribute("data-id");
  await recs.first().locator(".fb-like").click();
  await page.locator(`#recs .rec[data-id="${liked}"] .fb-like[aria-pressed="true"]`).waitFor();
  const second = recs.nth(1);
  const hiddenArtist = (await second.locator(".s-meta").textContent()).split(/[,·]/)[0].trim();
  await second.locator(".fb-artist").click();
  await second.locator(".fb-artist[aria-pressed='true']").waitFor();
  let fb = await serverFeedback(page);
  assert.ok(fb.some((f) => f.track_id === liked && f.kind === "like" && f.context.source === "discover" && f.context.list_id),
            `the like is stored with its context: ${JSON.stringify(fb)}`);
  assert.ok(fb.some((f) => f.artist === hiddenArtist && f.kind === "dislike"), `artist ${hiddenArtist} hidden`);
  // Keyboard: Tab-reachable buttons; Enter on a star rates without selecting the list item.
  await recs.nth(2).locator(".fb-star[data-rating='4']").focus();
  await page.keyboard.press("Enter");
  await recs.nth(2).locator(".fb-star[data-rating='4'][aria-pressed='true']").waitFor();
  await shot(page, "listener-discover.png");
  log(`liked ${liked}, hid ${hiddenArtist}`);

  // ---- For you: the hidden artist is gone; hide another one, refresh, it is gone too.
  await page.locator("#nav a", { hasText: "For you" }).click();
  const fy = page.locator("#fy-recs .track-item");
  await fy.first().waitFor();
  const artistsOf = async () => (await fy.evaluateAll((lis) => lis.map((li) => li.dataset.artist)));
  let artists = await artistsOf();
  assert.ok(artists.length > 0);
  assert.ok(!artists.includes(hiddenArtist), `For you leaves out ${hiddenArtist}: ${artists}`);
  const before = await fy.evaluateAll((lis) => lis.map((li) => li.dataset.id));
  const next = artists[0];
  await fy.first().locator(".fb-artist").click();
  await page.locator("#fy-stale").waitFor({ state: "visible" });
  // Rate another song 5 and then undo the rating by clicking the same star again.
  const rated = fy.nth(1);
  await rated.locator(".fb-star[data-rating='5']").click();
  await rated.locator(".fb-star[data-rating='5'][aria-pressed='true']").waitFor();
  assert.equal(await rated.locator(".fb-star.on").count(), 5);
  const ratedId = await rated.getAttribute("data-id");
  fb = await serverFeedback(page);
  assert.ok(fb.some((f) => f.track_id === ratedId && f.kind === "rating" && f.rating === 5));
  await rated.locator(".fb-star[data-rating='5']").click();
  await rated.locator(".fb-star[data-rating='5'][aria-pressed='false']").waitFor();
  fb = await serverFeedback(page);
  assert.ok(!fb.some((f) => f.track_id === ratedId), "undo deletes the rating");
  // Dislike a song: after the refresh it is gone too.
  const disliked = fy.nth(2);
  const dislikedId = await disliked.getAttribute("data-id");
  await disliked.locator(".fb-dislike").click();
  await disliked.locator(".fb-dislike[aria-pressed='true']").waitFor();
  await page.locator("#fy-refresh").click();
  await page.locator("#fy-status", { hasText: "refreshed" }).waitFor();
  const afterIds = await fy.evaluateAll((lis) => lis.map((li) => li.dataset.id));
  assert.ok(!afterIds.includes(dislikedId), `the disliked song ${dislikedId} is gone: ${afterIds}`);
  artists = await artistsOf();
  assert.ok(!artists.includes(next) && !artists.includes(hiddenArtist), `after refresh ${next} is gone: ${artists}`);
  const after = await fy.evaluateAll((lis) => lis.map((li) => li.dataset.id));
  assert.notDeepEqual(after, before, "the list changed");
  assert.ok(await page.locator("#fy-recs .chip.new").count() > 0, "new songs are marked");
  await shot(page, "listener-foryou.png");

  // ---- Diary: a page of the app; the old URL redirects; signed in, the mood is kept.
  await page.goto(url + "mood.html#text=" + encodeURIComponent("I am so happy today, what a wonderful day!"),
                  { waitUntil: "networkidle" });
  await page.locator("#mood-pie path, #mood-pie circle").first().waitFor();
  assert.match(page.url(), /#\/mood\?text=/);
  await page.locator("#mood-status", { hasText: "kept in your history" }).waitFor();
  assert.ok(await page.locator(".sentences .sent").count() >= 1, "the sentences are shown");
  assert.ok(await page.locator("#mood-tracks .track-item .fb").count() > 0, "diary songs have feedback controls");
  await shot(page, "listener-mood.png");

  // ---- Chat in English until the gauge is full: pie chart and songs.
  await page.locator("#nav a", { hasText: "Chat" }).click();
  await page.locator("#chat-input").waitFor();
  const lines = [
    "Today was a really hard day at work and I feel exhausted.",
    "My boss shouted at me in front of everyone, and I was so angry and embarrassed.",
    "Then I missed the last bus home in the rain and felt lonely and sad.",
    "I cried a little when I got home, I just feel so tired of everything.",
    "My friend called later and that made me feel a bit better though.",
    "I hope tomorrow will be better, but right now I am still sad.",
    "I keep thinking about what happened and it makes me anxious.",
    "Sometimes I wonder if I should change jobs, I am afraid of the future.",
    "Anyway, thank you for listening to me tonight.",
    "I think I will listen to some music before I sleep.",
    "I was scared and nervous all morning before the meeting.",
    "It is disgusting how they treat people in that office.",
    "I felt so happy when my sister sent me a funny video.",
    "I am surprised that I still have energy to talk about it.",
  ];
  let sent = 0;
  const gaugeValues = [];
  for (const line of lines) {
    await page.locator("#chat-input").fill(line);
    await page.locator("#chat-input").press("Enter");
    sent++;
    await page.locator("#chat-thread .msg-muse:not(.typing)").nth(sent).waitFor();
    gaugeValues.push(Number(await page.locator("#chat-gauge").getAttribute("aria-valuenow")));
    if (await page.locator("#chat-gauge.full").count()) break;
  }
  log("gauge after each message:", gaugeValues.join(" "));
  assert.ok(await page.locator("#chat-gauge.full").count() === 1, `the gauge fills within ${lines.length} messages`);
  for (let i = 1; i < gaugeValues.length; i++) assert.ok(gaugeValues[i] >= gaugeValues[i - 1], "the gauge never drops");
  await page.locator("#chat-pie path, #chat-pie circle").first().waitFor();
  const chatSongs = page.locator("#chat-match .track-item");
  await chatSongs.first().waitFor();
  const chatLiked = await chatSongs.first().getAttribute("data-id");
  await chatSongs.first().locator(".fb-like").click();
  await chatSongs.first().locator(".fb-like[aria-pressed='true']").waitFor();
  await page.locator("#chat-songs").waitFor();
  await page.locator(".seg .btn[data-mode='lift']").click();
  await page.locator("#chat-lift").waitFor();
  fb = await serverFeedback(page);
  assert.ok(fb.some((f) => f.track_id === chatLiked && f.context.source === "chat"), "chat like carries source chat");
  await shot(page, "listener-chat.png");
  // A new conversation starts empty; the finished one opens again with its thread and full gauge.
  const muse = await page.locator("#chat-thread .msg").count();
  await page.locator("#chat-new").click();
  await page.locator("#chat-gauge[aria-valuenow='0']").waitFor();
  assert.equal(await page.locator("#chat-thread .msg").count(), 1, "a new conversation has only the greeting");
  await page.locator("#chat-conversations .conv").first().click();
  await page.locator("#chat-gauge.full").waitFor();
  assert.equal(await page.locator("#chat-thread .msg").count(), muse - 1, "the stored thread comes back (no greeting)");

  // ---- History: the chat's mood on the timeline, liked songs with undo.
  await page.locator("#nav a", { hasText: "History" }).click();
  await page.locator("#mood-timeline").waitFor();
  assert.ok(await page.locator("#mood-timeline .tl-point[data-source='chat']").count() >= 1, "the chat mood is shown");
  assert.ok(await page.locator("#mood-timeline .tl-point[data-source='mood']").count() >= 1, "the diary mood is shown");
  const likedItems = page.locator("#history-liked .track-item");
  await likedItems.first().waitFor();
  const likedIds = await likedItems.evaluateAll((lis) => lis.map((li) => li.dataset.id));
  assert.ok(likedIds.includes(liked) && likedIds.includes(chatLiked), `liked songs listed: ${likedIds}`);
  await shot(page, "listener-history.png");
  await page.locator(`#history-liked .track-item[data-id="${liked}"] .undo`).click();
  await page.locator(`#history-liked .track-item[data-id="${liked}"]`).waitFor({ state: "detached" });
  fb = await serverFeedback(page);
  assert.ok(!fb.some((f) => f.track_id === liked), "undo deleted the like");

  // ---- Sign out: pages ask to sign in again; the token still signs back in.
  await page.locator("#account-button").click();
  await page.locator("#account-signout").click();
  await page.locator("#account-button", { hasText: "Sign in" }).waitFor();
  await page.locator(".sign-in-card").waitFor();
  await page.locator("#account-button").click();
  await page.locator("#account-token").fill(token);
  await page.locator("#account-signin button[type=submit]").click();
  await page.locator("#account-button", { hasText: "Ann" }).waitFor();
  await page.locator("#mood-timeline").waitFor();

  // Narrow screens: no horizontal scrolling on the chat page.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(url + "#/chat", { waitUntil: "networkidle" });
  await page.locator("#chat-input").waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no horizontal scrolling on mobile (overflow ${overflow}px)`);
  await shot(page, "listener-chat-mobile.png");

  assert.deepEqual(problems, [], "no console or page errors");
  log("ok");
}

let failed = false;
const watchdog = setTimeout(() => { console.error("listener browser test timed out"); process.exit(1); }, 170000);
try {
  await main();
} catch (e) {
  failed = true;
  console.error("[listener-test] FAILED:", e && e.stack ? e.stack : e);
  if (context && context.pages()[0]) {
    await context.pages()[0].screenshot({ path: path.join(artifacts, "listener-failure.png"), fullPage: true })
      .catch(() => {});
  }
} finally {
  if (context) await context.close().catch(() => {});
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.on("exit", (code) => r(code)));
    server.kill("SIGTERM");
    const code = await exited;
    if (code !== 0) {
      console.error(`[listener-test] server exited with ${code} after SIGTERM`);
      failed = true;
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  clearTimeout(watchdog);
}
process.exit(failed ? 1 : 0);
