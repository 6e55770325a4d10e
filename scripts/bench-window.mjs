// Window figures for `make bench` (issue #11): cold start to an interactive cashier screen,
// Enter → QR painted, and idle memory of the app with its WebKit processes. Runs the real
// release app under Xvfb on a real anvil devnet (inside scripts/with-keyring.sh).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startDevnet } from "../tests/e2e/devnet.mjs";
import { ROOT, Window } from "../tests/e2e/window.mjs";

const BIN = process.env.CHAINTILL_BIN ?? path.join(ROOT, "target/release/chaintill");
const PHRASE = "test test test test test test test test test test test junk";
const STARTS = 5;
const CHARGES = 20;
const SESSIONS = 100_000;
const SEARCHES = 20;

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
const row = (name, xs, unit = "ms") =>
  console.log(`| ${name.padEnd(44)} | ${String(xs.length).padStart(3)} | ${pct(xs, 50).toFixed(0).padStart(7)} ${unit} | ${Math.max(...xs).toFixed(0).padStart(7)} ${unit} |`);
/** One figure for scripts/bench-report.py (see `figure` in examples/bench.rs): name, value,
 *  unit, target ("-" if none) and the figure of the same run it is compared with ("-" if none). */
const figure = (name, value, unit, target = "-", anchor = "-") =>
  console.log(["FIGURE", name, value, unit, target, anchor].join("\t"));
/** The p50 and worst of `xs` (ms) as figures "<name> p50 <context>" and "<name> worst <context>". */
const figures = (name, context, xs, worstTarget = "-") => {
  figure(`${name} p50 ${context}`, pct(xs, 50), "ms");
  figure(`${name} worst ${context}`, Math.max(...xs), "ms", worstTarget);
};

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

/** `pid` and every process below it. */
function tree(pid) {
  const kids = new Map();
  for (const p of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const ppid = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1];
      kids.set(ppid, [...(kids.get(ppid) ?? []), p]);
    } catch {
      // gone
    }
  }
  const out = [String(pid)];
  for (let i = 0; i < out.length; i++) out.push(...(kids.get(out[i]) ?? []));
  return out;
}

/** The floor of any WebKitGTK window on this machine: WebKit's own MiniBrowser on a blank page,
 *  idle for 10 s, measured as the app is (null when the MiniBrowser is not installed). */
async function webkitFloor() {
  const mini = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
  if (!existsSync(mini)) return null;
  const child = spawn(mini, ["about:blank"], { stdio: "ignore" });
  await new Promise((r) => setTimeout(r, 10_000));
  const pids = tree(child.pid);
  const figures = { rss: memory(pids, "Rss"), pss: memory(pids, "Pss"), processes: pids.length };
  child.kill();
  return figures;
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

// Types `term` into the payments search, presses Enter and resolves with the time until the
// table holds exactly the row of `expect` and two frames have been painted after it.
const SEARCH = `
const [term, expect, done] = arguments;
const input = document.querySelector("[data-testid=payments-search]");
const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
const shown = () => {
  const rows = document.querySelectorAll("[data-testid=payment-row]");
  return rows.length === 1 && rows[0].getAttribute("data-session-id") === expect;
};
const t0 = performance.now();
set.call(input, term);
input.dispatchEvent(new Event("input", { bubbles: true }));
input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
const painted = () => requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)));
if (shown()) painted();
else new MutationObserver((_, o) => { if (shown()) { o.disconnect(); painted(); } })
  .observe(document.body, { childList: true, subtree: true, attributes: true });
`;

/** Copies the shop's first session SESSIONS times into its database (Python's sqlite3), each
 *  with an order number and a payment, as the Rust ledger bench does. */
function seed(dir) {
  execFileSync("python3", ["-c", `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1] + "/chaintill.db", timeout=30)
n = int(sys.argv[2])
db.execute("""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
INSERT INTO checkout_sessions (id, livemode, network_id, network_name, chain_id, asset_symbol, asset_decimals,
  asset_contract, address, address_index, amount_atomic, fiat_amount, fiat_currency, rate, payment_uri,
  required_confirmations, tolerance_percent, late_grace_ms, metadata, success_url, status, confirmations,
  amount_received, expires_at, created_at)
SELECT printf('cs_01N%023d', i), t.livemode, t.network_id, t.network_name, t.chain_id, t.asset_symbol, t.asset_decimals,
  t.asset_contract, t.address, t.address_index + 1000000 + i, t.amount_atomic, t.fiat_amount, t.fiat_currency, t.rate, t.payment_uri,
  t.required_confirmations, t.tolerance_percent, t.late_grace_ms, json_object('orderId', 'B-' || i), NULL, 'paid', 3,
  t.amount_atomic, t.expires_at - 86400000 + i, t.created_at - 86400000 + i
FROM n, (SELECT * FROM checkout_sessions ORDER BY seq LIMIT 1) t""", (n,))
db.execute("""INSERT INTO payments (session_id, tx_hash, log_index, from_address, block_number, block_hash, amount_atomic, seen_at, block_timestamp)
SELECT id, printf('0x%064x', seq), NULL, address, seq, printf('0x%064x', seq + 1), amount_atomic, created_at, created_at
FROM checkout_sessions WHERE id LIKE 'cs_01N%'""")
db.commit()
print(db.execute("SELECT COUNT(*) FROM checkout_sessions").fetchone()[0])
`, dir, String(SESSIONS)], { encoding: "utf8" });
}

/** Waits until the app (and its engine's lock on the data directory) is gone. */
async function gone() {
  const end = Date.now() + 30_000;
  while (appProcesses().length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

const anvil = await startDevnet();
const dataDir = mkdtempSync(path.join(tmpdir(), "chaintill-bench-window-"));
writeFileSync(path.join(dataDir, "chaintill.toml"), `[api]\nbind = "127.0.0.1:0"\n`);
const w = new Window({ CHAINTILL_DATA_DIR: dataDir });
try {
  await w.open(BIN);
  await w.setUpShop({ phrase: PHRASE, storeName: "Bench Coffee", rpcPort: anvil.port, pin: "246810" });
  await w.close();
  await gone();

  const starts = [];
  for (let i = 0; i < STARTS; i++) {
    const t0 = performance.now();
    await w.open(BIN);
    await w.until("the cashier screen", () => w.find("[data-testid=amount]"), 30_000, 5);
    starts.push(performance.now() - t0);
    if (i < STARTS - 1) {
      await w.close();
      await gone();
    }
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
  const idleRss = memory(pids, "Rss");
  const idlePss = memory(pids, "Pss");
  const perProcess = pids
    .map((pid) => `${readFileSync(`/proc/${pid}/comm`, "utf8").trim()} ${memory([pid], "Rss").toFixed(0)}/${memory([pid], "Pss").toFixed(0)}`)
    .join(", ");

  // The dashboard at 100,000 sessions: typing a search (then Enter) → the table repainted.
  seed(dataDir);
  await w.click("[data-testid=open-dashboard]");
  await w.until("PIN dialog", () => w.find("[data-testid=pin-input]"));
  await w.type("[data-testid=pin-input]", "246810");
  await w.click("[data-testid=pin-submit]");
  await w.until("the dashboard", () => w.find("[data-testid=payment-row]"));
  const searches = [];
  for (let i = 0; i < SEARCHES; i++) {
    const n = 1 + ((i * 4999) % SESSIONS);
    const id = `cs_01N${String(n).padStart(23, "0")}`;
    // By order number (metadata) and by session id, in turn.
    searches.push(await w.run(SEARCH, [i % 2 ? id : `B-${n}`, id]));
  }

  console.log("Window (release build, Xvfb, WebKitGTK)");
  console.log(`| ${"operation".padEnd(44)} |   n |       p50 |       max |`);
  console.log(`|${"-".repeat(46)}|-----|-----------|-----------|`);
  row("cold start → cashier screen interactive", starts);
  row("Enter → QR painted", charges);
  console.log(`  (each sale, ms: ${charges.map((c) => c.toFixed(0)).join(" ")})`);
  row(`search → table repainted (${SESSIONS / 1000}k sessions)`, searches);
  console.log(`idle memory after ${CHARGES} sales, ${pids.length} processes (app + WebKit): RSS ${idleRss.toFixed(0)} MiB, PSS ${idlePss.toFixed(0)} MiB (RSS/PSS MiB: ${perProcess})`);
  figures("cold start → cashier screen interactive", `(window, ${STARTS} starts)`, starts, "≤ 1,500 ms");
  figures("Enter → QR painted", `(window, ${CHARGES} sales)`, charges, "≤ 100 ms");
  figures("search → table repainted", `(window, ${SESSIONS.toLocaleString("en-US")} sessions)`, searches);
  // Alone, as the app was: PSS shares pages with whatever else maps the same libraries.
  await w.close();
  await gone();
  const floor = await webkitFloor();
  if (floor) console.log(`for comparison, WebKitGTK's MiniBrowser on about:blank, ${floor.processes} processes: RSS ${floor.rss.toFixed(0)} MiB, PSS ${floor.pss.toFixed(0)} MiB`);
  const floorRss = "WebKit floor idle RSS (MiniBrowser on about:blank, all its processes)";
  const floorPss = "WebKit floor idle PSS (MiniBrowser on about:blank, all its processes)";
  if (floor) {
    figure(floorRss, floor.rss, "MiB");
    figure(floorPss, floor.pss, "MiB");
  }
  figure("window idle RSS (app + WebKit processes)", idleRss, "MiB", "≤ 150 MB", floor ? floorRss : "-");
  figure("window idle PSS (app + WebKit processes)", idlePss, "MiB", "-", floor ? floorPss : "-");
  if (floor) figure("window PSS above the WebKit floor", idlePss - floor.pss, "MiB", "≤ 60 MiB");
  // The package a shop downloads (`make package` or `make release` built it; skipped otherwise).
  const debDir = path.join(ROOT, "target/release/bundle/deb");
  const deb = existsSync(debDir) ? readdirSync(debDir).find((f) => f.endsWith(".deb")) : undefined;
  if (deb) {
    const mib = statSync(path.join(debDir, deb)).size / 2 ** 20;
    console.log(`package: ${deb} ${mib.toFixed(1)} MiB`);
    figure(".deb package size", mib, "MiB");
  } else console.log("package: none built (make package), so no package size");
  if (BIN.startsWith("/usr/")) figure("installed app cold start → cashier screen interactive p50", pct(starts, 50), "ms", "≤ 1,000 ms");
  console.log("(cold start: from the WebDriver session request, which launches the app, to the amount field found; it includes WebKitWebDriver's own start-up)");
} finally {
  await w.close();
  w.stop();
  anvil.kill();
}
