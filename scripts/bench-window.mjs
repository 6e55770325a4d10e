// Window figures for `make bench` (issue #11): cold start to an interactive cashier screen,
// Enter → QR painted, and idle memory of the app with its WebKit processes. Runs the real
// release app under Xvfb on a real anvil devnet (inside scripts/with-keyring.sh).
import { mkdtempSync, readFileSync, readdirSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startDevnet } from "../tests/e2e/devnet.mjs";
import { ROOT, Window, startDriver } from "../tests/e2e/window.mjs";

const BIN = process.env.CHAINTILL_BIN ?? path.join(ROOT, "target/release/chaintill");
const PHRASE = "test test test test test test test test test test test junk";
const STARTS = 5;
const CHARGES = 20;

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
const row = (name, xs, unit = "ms") =>
  console.log(`| ${name.padEnd(44)} | ${String(xs.length).padStart(3)} | ${pct(xs, 50).toFixed(0).padStart(7)} ${unit} | ${Math.max(...xs).toFixed(0).padStart(7)} ${unit} |`);

/** The app's process (the binary's own) and every process below it (WebKit's web and network processes). */
function appProcesses() {
  const bin = realpathSync(BIN);
  const parent = new Map();
  const procs = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      parent.set(pid, stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      procs.push(pid);
    } catch {
      // gone
    }
  }
  const roots = procs.filter((pid) => {
    try {
      return realpathSync(`/proc/${pid}/exe`) === bin;
    } catch {
      return false;
    }
  });
  const inTree = (pid) => {
    for (let p = pid; p && p !== "0"; p = parent.get(p)) if (roots.includes(p)) return true;
    return false;
  };
  return procs.filter(inTree);
}

/** Sums `field` (kB) of /proc/<pid>/smaps_rollup over `pids`, in MiB. */
function memory(pids, field) {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
      kb += m ? Number(m[1]) : 0;
    } catch {
      // gone
    }
  }
  return kb / 1024;
}

// Types the amount, presses Enter and resolves with the time until the QR's SVG is in the DOM
// and two frames have been painted after it.
const CHARGE = `
const [amount, done] = arguments;
const input = document.querySelector("[data-testid=amount]");
const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
set.call(input, amount);
input.dispatchEvent(new Event("input", { bubbles: true }));
const t0 = performance.now();
input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
const painted = () => requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)));
if (document.querySelector("[data-testid=qr] svg")) painted();
else new MutationObserver((_, o) => { if (document.querySelector("[data-testid=qr] svg")) { o.disconnect(); painted(); } })
  .observe(document.body, { childList: true, subtree: true });
`;

const anvil = await startDevnet();
const dataDir = mkdtempSync(path.join(tmpdir(), "chaintill-bench-window-"));
writeFileSync(path.join(dataDir, "chaintill.toml"), `[api]\nbind = "127.0.0.1:0"\n`);
const driver = await startDriver({ CHAINTILL_DATA_DIR: dataDir });
const w = new Window(driver.base);
try {
  await w.open(BIN);
  await w.setUpShop({ phrase: PHRASE, storeName: "Bench Coffee", rpcPort: anvil.port, pin: "246810" });
  await w.close();

  const starts = [];
  for (let i = 0; i < STARTS; i++) {
    const t0 = performance.now();
    await w.open(BIN);
    await w.until("the cashier screen", () => w.find("[data-testid=amount]"), 30_000, 5);
    starts.push(performance.now() - t0);
    if (i < STARTS - 1) await w.close();
  }

  const charges = [];
  for (let i = 0; i < CHARGES; i++) {
    charges.push(await w.run(CHARGE, [`${i + 1}.00`]));
    await w.key("\uE00C"); // Esc cancels the pending sale
    await w.until("canceled", async () => /Canceled/.test(await w.status()), 10_000, 20);
    await w.key("\uE007"); // Enter: the next sale
    await w.until("amount field", () => w.find("[data-testid=amount]"), 10_000, 20);
  }

  await new Promise((r) => setTimeout(r, 10_000));
  const pids = appProcesses();

  console.log("Window (release build, Xvfb, WebKitGTK)");
  console.log(`| ${"operation".padEnd(44)} |   n |       p50 |       max |`);
  console.log(`|${"-".repeat(46)}|-----|-----------|-----------|`);
  row("cold start → cashier screen interactive", starts);
  row("Enter → QR painted", charges);
  console.log(`idle memory after ${CHARGES} sales, ${pids.length} processes (app + WebKit): RSS ${memory(pids, "Rss").toFixed(0)} MiB, PSS ${memory(pids, "Pss").toFixed(0)} MiB`);
  console.log("(cold start: from the WebDriver session request, which launches the app, to the amount field found; it includes WebKitWebDriver's own start-up)");
} finally {
  await w.close();
  driver.stop();
  anvil.kill();
}
