// The hosted checkout page in a real browser (Debian's Chromium, driven by playwright-core),
// served by a real `chaintill serve` watching a real anvil node. The customer pays; the page
// follows the payment live over Server-Sent Events until it is paid.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, startDevnet, until } from "./devnet.mjs";
import { chromium } from "playwright-core";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = process.env.CHAINTILL_BIN ?? path.join(ROOT, "target/debug/chaintill");
const SHOTS = path.join(ROOT, "docs/screenshots");
const PHRASE = "test test test test test test test test test test test junk";

let anvil, engine, browser, dataDir, rpc, api, key;


async function createSession(body) {
  const res = await fetch(`${api}/api/v1/checkout_sessions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200);
  return res.json();
}

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "chaintill-page-"));
  anvil = await startDevnet();
  rpc = anvil.rpc;
  const anvilPort = anvil.port;
  const apiPort = await freePort();
  api = `http://127.0.0.1:${apiPort}`;
  writeFileSync(
    path.join(dataDir, "chaintill.toml"),
    `[store]\nname = "Corner Coffee"\n\n[api]\nbind = "127.0.0.1:${apiPort}"\npublic_url = "${api}"\n\n` +
      `[[networks]]\nid = "local"\nname = "Local devnet"\nchain_id = 31337\nrpc_urls = ["ws://127.0.0.1:${anvilPort}"]\n` +
      `confirmations = 3\nnative = { symbol = "ETH", decimals = 18, display_decimals = 6, rate = { fixed = "3000.00" } }\n`,
  );
  execFileSync(BIN, ["--data-dir", dataDir, "wallet", "import"], { input: PHRASE + "\n" });
  key = execFileSync(BIN, ["--data-dir", dataDir, "keys", "create", "--mode", "test"], { encoding: "utf8" })
    .match(/ck_test_[A-Za-z0-9]+/)[0];
  engine = spawn(BIN, ["--data-dir", dataDir, "serve"], { stdio: "ignore" });
  await until("the engine's API and chain watcher", async () => {
    const h = await (await fetch(`${api}/api/v1/health`)).json();
    return h.networks[0].connected && h.networks[0].head !== null;
  });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
  engine?.kill();
  anvil?.kill();
});

test("the customer's page follows a payment live until it is paid", async () => {
  const s = await createSession({
    amount: { value: "25.00" },
    metadata: { orderId: "order-secret-42" },
    successUrl: "https://shop.example/thanks",
  });
  const context = await browser.newContext({ viewport: { width: 420, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: api });
  const page = await context.newPage();
  const requests = [];
  page.on("request", (r) => requests.push(new URL(r.url()).pathname));
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));

  await page.goto(s.checkoutUrl);
  assert.equal(await page.textContent(".store"), "Corner Coffee");
  assert.equal(await page.textContent("#fiat"), "25.00 USD");
  assert.equal(await page.textContent("#amount"), "0.008334");
  assert.equal(await page.textContent("#symbol"), "ETH");
  assert.equal(await page.textContent("#network"), "Local devnet");
  assert.equal(await page.textContent("#address"), s.address);
  assert.equal(await page.textContent("#status"), "Waiting for payment");
  assert.match(await page.textContent("#countdown"), /^Expires in 1[45]:\d\d$/);
  assert.ok(await page.$eval("#qr", (img) => img.complete && img.naturalWidth > 0), "the QR image loads");
  assert.equal(await page.getAttribute(".qr", "href"), s.paymentUri);
  assert.ok(!(await page.content()).includes("order-secret-42"), "metadata is never shown");
  assert.ok(await page.isHidden("#success-link"));

  await page.click("#copy");
  await until("copied", async () => (await page.textContent("#copy")) === "Copied");
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), s.address);

  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, "checkout-page-pending.png") });

  // The customer pays from a wallet; the page changes without a reload.
  const [customer] = await rpc("eth_accounts");
  await rpc("eth_sendTransaction", [{ from: customer, to: s.address, value: "0x" + BigInt(s.amount.atomic).toString(16) }]);
  await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("Payment seen"));
  await until("1 of 3", async () => (await page.textContent("#confirmations")) === "1 of 3 confirmations");
  await page.screenshot({ path: path.join(SHOTS, "checkout-page-confirming.png") });
  await rpc("anvil_mine", ["0x1"]);
  await until("2 of 3", async () => (await page.textContent("#confirmations")) === "2 of 3 confirmations");
  await rpc("anvil_mine", ["0x1"]);
  await page.waitForFunction(() => document.getElementById("status").textContent === "Payment complete");
  assert.ok(await page.isVisible("#success-link"));
  assert.equal(await page.getAttribute("#success-link", "href"), "https://shop.example/thanks");
  assert.ok(await page.isHidden("#pay"), "the payment details go away once paid");
  await page.screenshot({ path: path.join(SHOTS, "checkout-page-paid.png") });

  assert.ok(requests.includes(`/checkout/${s.id}/events`), "the page used the event stream");
  assert.ok(!requests.includes(`/checkout/${s.id}/state`), "no polling while the stream works");
  assert.deepEqual(errors, []);
  await context.close();
});

test("without the event stream the page falls back to polling", async () => {
  const s = await createSession({ amount: { value: "3.00" } });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route("**/events", (route) => route.abort());
  await page.goto(s.checkoutUrl);
  assert.equal(await page.textContent("#status"), "Waiting for payment");
  const res = await fetch(`${api}/api/v1/checkout_sessions/${s.id}/cancel`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
  });
  assert.equal(res.status, 200);
  await page.waitForFunction(() => document.getElementById("status").textContent === "This checkout was canceled", null, { timeout: 15_000 });
  assert.match(await page.textContent("#status-detail"), /Do not send any funds/);
  await context.close();
});

test("an unknown checkout says so plainly", async () => {
  const page = await browser.newPage();
  const res = await page.goto(`${api}/checkout/cs_01JD3Q8Z6W7N5K2M4P9R0T1V3X`);
  assert.equal(res.status(), 404);
  assert.match(await page.textContent("body"), /not valid/);
  await page.close();
});
