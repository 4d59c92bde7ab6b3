// Shared by the browser tests: the CTest environment, playwright-core from the build's
// node_modules, running `muse`, starting `muse serve` until /readyz answers, and launching
// headless Debian chromium with the flags this closed network needs.
//
// Env (set by CTest): MUSE_BINARY, MUSE_FIXTURES, MUSE_SOURCE_DIR, MUSE_NODE_MODULES,
// MUSE_ARTIFACTS, CHROMIUM (default /usr/bin/chromium).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const env = (k, d) => process.env[k] || d || (() => { throw new Error(`${k} is not set`); })();
export const muse = env("MUSE_BINARY");
export const fixtures = env("MUSE_FIXTURES");
export const sourceDir = env("MUSE_SOURCE_DIR");
export const nodeModules = env("MUSE_NODE_MODULES");
export const artifacts = env("MUSE_ARTIFACTS");
const chromiumPath = env("CHROMIUM", "/usr/bin/chromium");

if (!fs.existsSync(path.join(nodeModules, "playwright-core"))) {
  console.error(`playwright-core is not installed in ${nodeModules}: build the muse_web_deps target ` +
                "(needs npm; scripts/install-deps.sh --test installs it)");
  process.exit(1);
}
const { chromium } = createRequire(path.join(nodeModules, "noop.js"))("playwright-core");
fs.mkdirSync(artifacts, { recursive: true });

/// Runs `muse --home HOME -q ARGS...`; fails the test on a non-zero exit.
export function runMuse(home, args) {
  const r = spawnSync(muse, ["--home", home, "-q", ...args], { encoding: "utf8" });
  assert.equal(r.status, 0, `muse ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/// Starts `muse serve` on an ephemeral loopback port over HOME; resolves to { server, url }
/// once /readyz answers 200.
export async function startServer(home) {
  const server = spawn(muse, ["--home", home, "serve", "--port", "0", "--web-root", path.join(sourceDir, "web"),
                              "--vendor-root", nodeModules], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  server.stderr.on("data", (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`server printed no URL; stderr: ${stderr}`)), 60000);
    server.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) { clearTimeout(timer); resolve(m[0]); }
    });
    server.on("exit", (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
  for (let i = 0; i < 1200; i++) {
    try {
      const r = await fetch(url + "readyz");
      if (r.status === 200) return { server, url };
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("server never became ready");
}

/// Headless chromium with a fresh profile dir (playwright adds --headless).
export function launchBrowser(profileDir) {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1366, height: 900 },
    deviceScaleFactor: 1,
  });
}

/// Trains a tiny English emotion model into HOME from the mood fixtures (no real data): the
/// fixture TSVs are laid out as a GoEmotions-style data dir and fed to `muse emotion train`.
export function trainFixtureEmotionModel(home, scratch) {
  const labels = ["anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"];
  const dir = path.join(scratch, "data", "goemotions", "ekman");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "labels.txt"), labels.join("\n") + "\n");
  const convert = (file) => fs.readFileSync(path.join(fixtures, "mood", file), "utf8").split("\n")
    .filter((l) => l.trim())
    .map((l, i) => {
      const [text, names] = l.split("\t");
      return `${text}\t${names.split(",").map((n) => labels.indexOf(n.trim())).join(",")}\tfx${i}`;
    }).join("\n") + "\n";
  fs.writeFileSync(path.join(dir, "train.tsv"), convert("emotion_train.tsv"));
  fs.writeFileSync(path.join(dir, "dev.tsv"), convert("emotion_dev.tsv"));
  fs.writeFileSync(path.join(dir, "test.tsv"), convert("emotion_dev.tsv"));
  runMuse(home, ["--data-dir", path.join(scratch, "data"), "emotion", "train", "--lang", "en", "--no-lexicon",
                 "--no-va", "--bits", "14", "--epochs", "20", "--lr", "0.5"]);
}
