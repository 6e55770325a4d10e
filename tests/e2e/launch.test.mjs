// A launch that cannot start says why, in a window (SPEC §9): the real app under Xvfb, started
// on a data folder it cannot use. Run by `make test` inside scripts/with-keyring.sh and xvfb-run.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { until } from "./devnet.mjs";
import { ROOT, Window } from "./window.mjs";

const BIN = process.env.CHAINTILL_BIN ?? path.join(ROOT, "target/debug/chaintill");

const windows = [];
after(() => windows.forEach((w) => w.stop()));

/** A data folder holding `config` as its chaintill.toml. */
function dataDir(config) {
  const dir = mkdtempSync(path.join(tmpdir(), "chaintill-e2e-launch-"));
  writeFileSync(path.join(dir, "chaintill.toml"), config);
  return dir;
}

/** Opens the app on `dir` (with `env` for the app) and returns what its window says. */
async function launch(dir, env = {}) {
  const w = new Window(env);
  windows.push(w);
  await w.open(BIN, ["--data-dir", dir], { width: 1024, height: 768 });
  await w.until("the launch-failure window", () => w.find("[data-testid=launch-failure]"));
  const said = await w.until("its explanation", async () => {
    const text = await w.text("[data-testid=launch-failure]");
    return /Open log folder/.test(text) ? text : null;
  });
  return { w, said };
}

test("an invalid chaintill.toml opens a window naming the file and line, with the log folder", async () => {
  const dir = dataDir(`[api]\nbind = "127.0.0.1:0"\nrate_limit_per_second = "many"\n`);
  const { w, said } = await launch(dir);
  assert.match(said, /The settings file has a mistake/);
  assert.match(said, new RegExp(`${path.join(dir, "chaintill.toml").replace(/[.]/g, "\\.")}:3`));
  assert.match(said, /rate_limit_per_second/);
  assert.match(said, /Correct the line named above/);
  await w.shot("launch-failure-config");
  // The log folder is one click away (opening it must not fail the window).
  await w.click("[data-testid=open-log-folder]");
  assert.doesNotMatch(await w.text("[data-testid=launch-failure]"), /Could not open/);
  await w.close();
});

test("a second engine on the same data folder opens a window saying one already runs", async () => {
  const dir = dataDir(`[api]\nbind = "127.0.0.1:0"\n`);
  const serve = spawn(BIN, ["--data-dir", dir, "serve"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    let out = "";
    serve.stdout.on("data", (d) => (out += d));
    await until("chaintill serve runs on the data folder", () => /engine running/.test(out));
    const { w, said } = await launch(dir);
    assert.match(said, /Chaintill is already running on this data folder/);
    assert.match(said, /chaintill serve/);
    await w.close();
  } finally {
    serve.kill("SIGTERM");
  }
});

test("with no Secret Service to reach, the window says the keychain cannot be reached", async () => {
  const dir = dataDir(`[api]\nbind = "127.0.0.1:0"\n`);
  const { w, said } = await launch(dir, { DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/chaintill-e2e-bus" });
  assert.match(said, /The system keychain cannot be reached/);
  assert.match(said, /Secret Service/);
  await w.close();
});
