// The real window under Xvfb, driven through tauri-driver + WebKitWebDriver (plain WebDriver
// over HTTP, no client library). Run by `make test` inside scripts/with-keyring.sh and xvfb-run.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, startDevnet } from "./devnet.mjs";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = process.env.CHAINTILL_BIN ?? path.join(ROOT, "target/debug/chaintill");
const SHOTS = path.join(ROOT, "docs/screenshots");
const PHRASE = "test test test test test test test test test test test junk";
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

let driver;
let base;
let sid;
let dataDir;
let anvil;
let rpc;



async function wd(method, url, body) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${url}: ${JSON.stringify(json.value)}`);
  return json.value;
}

async function until(what, fn, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await dumpPage(what);
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

// On a failure, keep what the window showed for the person reading the CI log.
async function dumpPage(what) {
  const dir = path.join(ROOT, "test-artifacts");
  mkdirSync(dir, { recursive: true });
  const name = what.replace(/[^a-z0-9]+/gi, "-");
  try {
    writeFileSync(path.join(dir, `${name}.png`), Buffer.from(await wd("GET", `/session/${sid}/screenshot`), "base64"));
    writeFileSync(path.join(dir, `${name}.html`), await wd("GET", `/session/${sid}/source`));
  } catch (e) {
    console.error(`could not capture the window: ${e.message}`);
  }
}

const find = async (css) => (await wd("POST", `/session/${sid}/element`, { using: "css selector", value: css }))[ELEMENT];
const text = async (css) => wd("GET", `/session/${sid}/element/${await find(css)}/text`);
const cli = (...args) => execFileSync(BIN, ["--data-dir", dataDir, ...args], { encoding: "utf8" });

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "chaintill-e2e-"));
  anvil = await startDevnet();
  rpc = anvil.rpc;
  const anvilPort = anvil.port;
  writeFileSync(
    path.join(dataDir, "chaintill.toml"),
    `[store]\nname = "Corner Coffee"\n\n[api]\nbind = "127.0.0.1:0"\n\n[[networks]]\nid = "local"\nname = "Local devnet"\nchain_id = 31337\n` +
      `rpc_urls = ["ws://127.0.0.1:${anvilPort}"]\nconfirmations = 3\n` +
      `native = { symbol = "ETH", decimals = 18, display_decimals = 6, rate = { fixed = "3000.00" } }\n`,
  );
  execFileSync(BIN, ["--data-dir", dataDir, "wallet", "import"], { input: PHRASE + "\n" });
  const port = await freePort();
  const nativePort = await freePort();
  base = `http://127.0.0.1:${port}`;
  // Its own process group (with WebKitWebDriver and the app under test), so that teardown can
  // stop all of them: an app left running keeps this runner's output pipe open, and the run
  // never ends.
  driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    env: { ...process.env, CHAINTILL_DATA_DIR: dataDir },
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  });
  await until("tauri-driver", async () => (await fetch(`${base}/status`)).ok);
  const session = await wd("POST", "/session", {
    capabilities: { alwaysMatch: { "tauri:options": { application: BIN } } },
  });
  sid = session.sessionId;
});

after(async () => {
  if (sid) await wd("DELETE", `/session/${sid}`).catch(() => {});
  if (driver) {
    try {
      process.kill(-driver.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  anvil?.kill();
});

test("the cashier types an amount, presses Enter and sees the session's QR", async () => {
  const wallet = await until("wallet state", async () => {
    const t = await text("[data-testid=wallet-state]");
    return t.includes("phrase in keychain") ? t : null;
  });
  assert.match(wallet, /Wallet xpub/);

  const input = await until("amount field", () => find("#amount"));
  await wd("POST", `/session/${sid}/element/${input}/value`, { text: "12.50" });
  await wd("POST", `/session/${sid}/element/${input}/value`, { text: "\uE007" });

  await until("QR code", () => find("[data-testid=qr] svg"));
  const shown = await text("[data-testid=asset-amount]");
  const address = await text("[data-testid=address]");
  const status = await text("[data-testid=status]");
  assert.equal(shown, "0.004167 ETH");
  assert.equal(address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  assert.match(status, /Waiting for payment/);

  // The window went through the same service layer: the CLI sees the same session.
  const list = JSON.parse(cli("sessions", "list", "--json"));
  assert.equal(list.data.length, 1);
  assert.equal(list.data[0].address, address);
  assert.equal(list.data[0].fiat.amount, "12.50");

  const png = await wd("GET", `/session/${sid}/screenshot`);
  mkdirSync(SHOTS, { recursive: true });
  writeFileSync(path.join(SHOTS, "cashier-qr.png"), Buffer.from(png, "base64"));

  // The customer pays from a wallet; the window counts confirmations until paid.
  const [customer] = await rpc("eth_accounts");
  await rpc("eth_sendTransaction", [{ from: customer, to: address, value: "0x" + BigInt(list.data[0].amount.atomic).toString(16) }]);
  // The engine pushes each change to the window: both steps must show well before the window's
  // 15-second fallback refresh could have fetched them.
  const pushed = 8_000;
  // Seen in the mempool first (0 of 3), then in its block (automine): 1 of 3.
  await until("payment seen in its block", async () => /Payment seen\s+1 of 3 confirmations/.test(await text("[data-testid=status]")), pushed);
  await rpc("anvil_mine", ["0x2"]);
  await until("paid", async () => /Paid/.test(await text("[data-testid=status]")), pushed);
  assert.match(await text("[data-testid=status]"), /3 of 3 confirmations/);
  assert.match(await text("[data-testid=chain-state]"), /local: block \d+/);
  writeFileSync(path.join(SHOTS, "cashier-paid.png"), Buffer.from(await wd("GET", `/session/${sid}/screenshot`), "base64"));
  assert.equal(JSON.parse(cli("sessions", "show", list.data[0].id, "--json")).status, "paid");

  // Enter starts a new sale; Escape cancels a pending one.
  await wd("POST", `/session/${sid}/element/${await find("body")}/value`, { text: "\uE007" });
  const next = await until("amount field", () => find("#amount"));
  await wd("POST", `/session/${sid}/element/${next}/value`, { text: "3\uE007" });
  await until("second QR", () => find("[data-testid=qr] svg"));
  await wd("POST", `/session/${sid}/element/${await find("body")}/value`, { text: "\uE00C" });
  await until("canceled", async () => (await text("[data-testid=status]")).includes("Canceled"));
  const canceled = JSON.parse(cli("sessions", "list", "--json")).data[0];
  assert.equal(canceled.status, "canceled");
});

test("a bad amount gets the engine's message and creates nothing", async () => {
  await wd("POST", `/session/${sid}/element/${await find("body")}/value`, { text: "\uE007" });
  const input = await until("amount field", () => find("#amount"));
  // The keypad shaping leaves "0" → the Charge button stays disabled and Enter does nothing.
  await wd("POST", `/session/${sid}/element/${input}/value`, { text: "0\uE007" });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(JSON.parse(cli("sessions", "list", "--json")).data.length, 2);
});
