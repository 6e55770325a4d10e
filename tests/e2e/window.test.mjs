// The real window under Xvfb, driven through tauri-driver + WebKitWebDriver (plain WebDriver
// over HTTP, no client library). Run by `make test` inside scripts/with-keyring.sh and xvfb-run.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync } from "node:fs";
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

const click = async (css) => wd("POST", `/session/${sid}/element/${await find(css)}/click`, {});
const type = async (css, t) => wd("POST", `/session/${sid}/element/${await find(css)}/value`, { text: t });
const clear = async (css) => wd("POST", `/session/${sid}/element/${await find(css)}/clear`, {});
const shot = async (name) => { mkdirSync(SHOTS, { recursive: true }); writeFileSync(path.join(SHOTS, `${name}.png`), Buffer.from(await wd("GET", `/session/${sid}/screenshot`), "base64")); };
const status = () => text("[data-testid=status]");
const key = async (k) => wd("POST", `/session/${sid}/element/${await find("body")}/value`, { text: k });
const find = async (css) => (await wd("POST", `/session/${sid}/element`, { using: "css selector", value: css }))[ELEMENT];
const text = async (css) => wd("GET", `/session/${sid}/element/${await find(css)}/text`);
const cli = (...args) => execFileSync(BIN, ["--data-dir", dataDir, ...args], { encoding: "utf8" });

before(async () => {
  // A new install: no wallet, no config — the window must get a shop from nothing to a sale.
  dataDir = mkdtempSync(path.join(tmpdir(), "chaintill-e2e-"));
  anvil = await startDevnet();
  rpc = anvil.rpc;
  writeFileSync(path.join(dataDir, "chaintill.toml"), `[api]\nbind = "127.0.0.1:0"\n`);
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
  await wd("POST", `/session/${sid}/window/rect`, { width: 1024, height: 768 });
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

const PIN = "246810";

test("the wizard imports the phrase, tests the devnet, sets a PIN and ends ready to charge", async () => {
  await until("the wizard", () => find("[data-testid=setup]"));
  await shot("setup-welcome");
  await click("[data-testid=setup-import]");
  // A mistyped word is pointed at before anything is stored.
  await type("[data-testid=setup-phrase]", PHRASE.replace("junk", "junkk"));
  await click("[data-testid=setup-till-no]");
  await click("[data-testid=setup-next]");
  await until("the bad word named", async () => /word 12/.test(await text("[data-testid=setup]")));
  await clear("[data-testid=setup-phrase]");
  await type("[data-testid=setup-phrase]", PHRASE);
  await click("[data-testid=setup-next]");

  await until("store step", () => find("[data-testid=setup-store-name]"));
  await clear("[data-testid=setup-store-name]");
  await type("[data-testid=setup-store-name]", "Corner Coffee");
  await shot("setup-store");
  await click("[data-testid=setup-next]");

  await until("network step", () => find("[data-testid=setup-network]"));
  await click("[data-testid=setup-network] option[value=local]");
  await clear("[data-testid=setup-rpc-url]");
  await type("[data-testid=setup-rpc-url]", `ws://127.0.0.1:${anvil.port}`);
  await click("[data-testid=setup-rpc-test]");
  await until("the node's answer", async () => /31337/.test(await text("[data-testid=setup-rpc-result]")));
  await shot("setup-network");
  await click("[data-testid=setup-next]");

  await until("PIN step", () => find("[data-testid=setup-pin]"));
  await type("[data-testid=setup-pin]", PIN);
  await type("[data-testid=setup-pin-repeat]", PIN);
  await click("[data-testid=setup-next]");
  await until("review", () => find("[data-testid=setup-finish]"));
  await click("[data-testid=setup-finish]");

  await until("the cashier screen", () => find("[data-testid=amount]"));
  const config = readFileSync(path.join(dataDir, "chaintill.toml"), "utf8");
  assert.match(config, /name = "Corner Coffee"/);
  assert.doesNotMatch(config, new RegExp(PIN));
  const wallet = JSON.parse(cli("wallet", "show", "--json"));
  assert.equal(wallet.addresses[0].address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  // The engine watches the chosen node without a restart.
  await until("chain watched", async () => /local: block \d+/.test(await text("[data-testid=chain-state]")));
  await shot("cashier-entry");
});

test("the cashier charges, the customer pays, the counter runs to paid, Enter starts the next sale", async () => {
  await type("[data-testid=amount]", "12.50");
  await key("\uE007");
  await until("QR code", () => find("[data-testid=qr] svg"));
  assert.equal(await text("[data-testid=asset-amount]"), "0.004167 ETH");
  const address = await text("[data-testid=address]");
  assert.match(await status(), /Waiting for payment/);

  // The window went through the same service layer: the CLI sees the same session.
  const list = JSON.parse(cli("sessions", "list", "--json"));
  assert.equal(list.data.length, 1);
  assert.equal(list.data[0].address, address);
  assert.equal(list.data[0].fiat.amount, "12.50");
  await shot("cashier-qr");

  const [customer] = await rpc("eth_accounts");
  await rpc("eth_sendTransaction", [{ from: customer, to: address, value: "0x" + BigInt(list.data[0].amount.atomic).toString(16) }]);
  // The engine pushes each change to the window: both steps must show well before the window's
  // 15-second fallback refresh could have fetched them.
  const pushed = 8_000;
  // Seen in the mempool first (0 of 3), then in its block (automine): 1 of 3.
  await until("payment seen in its block", async () => /Payment seen[\s\S]*1 of 3 confirmations/.test(await status()), pushed);
  await shot("cashier-detected");
  await rpc("anvil_mine", ["0x2"]);
  await until("paid", async () => /Paid/.test(await status()), pushed);
  assert.match(await text("[data-testid=confirmations]"), /3 of 3 confirmations/);
  await shot("cashier-paid");
  assert.equal(JSON.parse(cli("sessions", "show", list.data[0].id, "--json")).status, "paid");

  // Enter starts a new sale; Escape cancels a pending one.
  await key("\uE007");
  await until("amount field", () => find("[data-testid=amount]"));
  await type("[data-testid=amount]", "3\uE007");
  await until("second QR", () => find("[data-testid=qr] svg"));
  await key("\uE00C");
  await until("canceled", async () => /Canceled/.test(await status()));
  assert.match(await status(), /do not pay/i);
  assert.equal(JSON.parse(cli("sessions", "list", "--json")).data[0].status, "canceled");
  await key("\uE007");
  await until("amount field again", () => find("[data-testid=amount]"));
});

test("an underpaid sale's QR asks for exactly the rest, and a top-up completes it", async () => {
  await type("[data-testid=amount]", "30\uE007");
  await until("QR code", () => find("[data-testid=qr] svg"));
  const s = JSON.parse(cli("sessions", "list", "--json")).data[0];
  const half = BigInt(s.amount.atomic) / 2n;
  const [customer] = await rpc("eth_accounts");
  await rpc("eth_sendTransaction", [{ from: customer, to: s.address, value: "0x" + half.toString(16) }]);
  await rpc("anvil_mine", ["0x2"]);
  await until("underpaid", async () => /Underpaid/.test(await status()), 8_000);
  const due = BigInt(s.amount.atomic) - half;
  assert.match(await text("[data-testid=amount-due]"), /Still due/);
  await shot("cashier-underpaid");
  // What a wallet scanning the screen reads: the QR decoded from the window's pixels.
  const png = Buffer.from(await wd("GET", `/session/${sid}/element/${await find("[data-testid=qr]")}/screenshot`), "base64");
  const file = path.join(dataDir, "qr.png");
  writeFileSync(file, png);
  const decoded = execFileSync("zbarimg", ["--quiet", "--raw", file], { encoding: "utf8" }).trim();
  assert.equal(decoded, `ethereum:${s.address}@31337?value=${due}`);
  await rpc("eth_sendTransaction", [{ from: customer, to: s.address, value: "0x" + due.toString(16) }]);
  await rpc("anvil_mine", ["0x2"]);
  await until("paid after the top-up", async () => /Paid/.test(await status()), 8_000);
  await key("\uE007");
  await until("amount field", () => find("[data-testid=amount]"));
});

test("a wrong PIN is refused; the right one opens settings; a changed expiry is used by the next sale, which expires on one key", async () => {
  await click("[data-testid=open-dashboard]");
  await until("PIN dialog", () => find("[data-testid=pin-input]"));
  await type("[data-testid=pin-input]", "999999");
  await click("[data-testid=pin-submit]");
  await until("wrong PIN said", async () => /wrong/i.test(await text("[data-testid=pin-error]")));
  await shot("pin-wrong");
  await clear("[data-testid=pin-input]");
  await type("[data-testid=pin-input]", PIN);
  await click("[data-testid=pin-submit]");
  await until("settings", () => find("[data-testid=settings]"));
  await shot("settings");
  const expiry = "[data-testid=settings] input[name=expiryMinutes]";
  await clear(expiry);
  await type(expiry, "1");
  await click("[data-testid=settings-save]");
  await until("saved", async () => /1/.test(readFileSync(path.join(dataDir, "chaintill.toml"), "utf8").match(/expiry_minutes = (\d+)/)?.[1] ?? ""));
  assert.match(readFileSync(path.join(dataDir, "chaintill.toml"), "utf8"), /expiry_minutes = 1\b/);
  await click("[data-testid=lock]");
  await until("cashier again", () => find("[data-testid=amount]"));

  await type("[data-testid=amount]", "5\uE007");
  await until("QR code", () => find("[data-testid=qr] svg"));
  const s = JSON.parse(cli("sessions", "list", "--json")).data[0];
  assert.equal(Date.parse(s.expiresAt) - Date.parse(s.createdAt), 60_000);
  // Expiry follows the chain: a block past the deadline ends it.
  await rpc("evm_increaseTime", [120]);
  await rpc("anvil_mine", ["0x1"]);
  await until("expired", async () => /Expired/.test(await status()), 10_000);
  assert.match(await status(), /do not pay/i);
  await shot("cashier-expired");
  await key("\uE007");
  await until("amount field after expiry", () => find("[data-testid=amount]"));
});
