// The owner's dashboard in the real window under Xvfb, on a real anvil devnet, with 1,000
// sessions created through the engine's own API: the PIN opens it; search finds the paid
// session by its tx hash; "needs attention" shows the underpaid one; its detail shows the
// timeline and webhook deliveries; a webhook added in the window gets a signed test event at a
// real receiver and its secret is never shown again; a key created in the window works against
// the API; "simulate payment" pays a test session; the CLI's CSV reads back with Python's csv.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, startDevnet } from "./devnet.mjs";
import { ROOT, Window } from "./window.mjs";

const BIN = process.env.CHAINTILL_BIN ?? path.join(ROOT, "target/debug/chaintill");
const PHRASE = "test test test test test test test test test test test junk";
const PIN = "24681357";

let dataDir, anvil, w, api, receiver;
const received = [];
const cli = (...args) => execFileSync(BIN, ["--data-dir", dataDir, ...args], { encoding: "utf8" });

async function call(key, method, url, body) {
  const res = await fetch(`${api}${url}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

before(async () => {
  anvil = await startDevnet();
  dataDir = mkdtempSync(path.join(tmpdir(), "chaintill-e2e-dash-"));
  const apiPort = await freePort();
  api = `http://127.0.0.1:${apiPort}/api/v1`;
  writeFileSync(path.join(dataDir, "chaintill.toml"), `[api]\nbind = "127.0.0.1:${apiPort}"\nrate_limit_per_second = 0\n`);
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.end("ok");
    });
  });
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
  w = new Window({ CHAINTILL_DATA_DIR: dataDir });
  await w.open(BIN);
  await w.setUpShop({ phrase: PHRASE, storeName: "Corner Coffee", rpcPort: anvil.port, pin: PIN });
});

after(async () => {
  await w?.close();
  w?.stop();
  anvil?.kill();
  receiver?.close();
});

const openDashboard = async () => {
  await w.click("[data-testid=open-dashboard]");
  await w.until("PIN dialog", () => w.find("[data-testid=pin-input]"));
  await w.type("[data-testid=pin-input]", PIN);
  await w.click("[data-testid=pin-submit]");
  await w.until("dashboard", () => w.find("[data-testid=payments-search]"));
};
const rows = async () => {
  const els = await w.findAll("[data-testid=payment-row]");
  return Promise.all(els.map((e) => w.wd("GET", w.s(`/element/${e}/attribute/data-session-id`))));
};
const search = async (term) => {
  await w.clear("[data-testid=payments-search]");
  // Typed keys (a space taken back for an empty search), so the box sees input as from a person.
  await w.type("[data-testid=payments-search]", term || " \uE003");
};

let paid, short, spare, testKeyCreatedInWindow;

test("a webhook added in the window gets a signed test event; its secret is shown once", async () => {
  await openDashboard();
  await w.click("[data-testid=nav-webhooks]");
  await w.type("[data-testid=webhook-name]", "Order system");
  await w.type("[data-testid=webhook-url]", `http://127.0.0.1:${receiver.address().port}/hooks`);
  await w.click("[data-testid=webhook-add]");
  const secret = await w.until("the secret", async () => (await w.text("[data-testid=webhook-secret]")).trim());
  assert.match(secret, /^whsec_/);
  await w.shot("dashboard-webhook-secret");
  await w.click("[data-testid=webhook-secret-done]");
  await w.until("the endpoint listed", () => w.find("[data-testid=webhook-endpoint]"));
  assert.doesNotMatch(await w.text("body"), new RegExp(secret), "the secret is never shown again");
  await w.click("[data-testid=webhook-test]");
  const hit = await w.until("the test event at the receiver", async () => received.find((r) => JSON.parse(r.body).type === "webhook.test"));
  // Verified as a back-office developer would, from the README: HMAC-SHA256 over "t.body".
  const sig = Object.fromEntries(hit.headers["x-webhook-signature"].split(",").map((kv) => kv.split("=")));
  const expected = createHmac("sha256", secret).update(`${sig.t}.${hit.body}`).digest("hex");
  assert.equal(sig.v1, expected);
});

test("a key created in the window works against the API; 1,000 sessions are created through it", async () => {
  await w.click("[data-testid=nav-keys]");
  await w.type("[data-testid=api-key-name]", "till seed");
  await w.click("[data-testid=api-key-create]");
  testKeyCreatedInWindow = await w.until("the key", async () => (await w.text("[data-testid=api-key-secret]")).trim());
  assert.match(testKeyCreatedInWindow, /^ck_test_/);
  await w.click("[data-testid=api-key-secret-done]");
  assert.doesNotMatch(await w.text("body"), new RegExp(testKeyCreatedInWindow));
  const created = [];
  for (let batch = 0; batch < 20; batch++) {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call(testKeyCreatedInWindow, "POST", "/checkout_sessions", {
          amount: { value: "2.00", currency: "USD" },
          metadata: { orderId: `A-${batch * 50 + i + 1}` },
        }),
      ),
    );
    for (const a of answers) {
      assert.equal(a.status, 200, JSON.stringify(a.body));
      created.push(a.body);
    }
  }
  assert.equal(created.length, 1000);
  [paid, short, spare] = [created[10], created[500], created[999]];
  const [customer] = await anvil.rpc("eth_accounts");
  await anvil.rpc("eth_sendTransaction", [{ from: customer, to: paid.address, value: "0x" + BigInt(paid.amount.atomic).toString(16) }]);
  await anvil.rpc("eth_sendTransaction", [{ from: customer, to: short.address, value: "0x" + (BigInt(short.amount.atomic) / 2n).toString(16) }]);
  await anvil.rpc("anvil_mine", ["0x3"]);
  await w.until("paid", async () => (await call(testKeyCreatedInWindow, "GET", `/checkout_sessions/${paid.id}`)).body.status === "paid");
  await w.until("underpaid", async () => (await call(testKeyCreatedInWindow, "GET", `/checkout_sessions/${short.id}`)).body.status === "underpaid");
});

test("search by tx hash finds the paid session; needs attention shows the underpaid one; its detail shows timeline and deliveries", async () => {
  await w.click("[data-testid=nav-payments]");
  const tx = (await call(testKeyCreatedInWindow, "GET", `/checkout_sessions/${paid.id}`)).body.payments[0].txHash;
  await search(tx);
  await w.until("the paid row", async () => JSON.stringify(await rows()) === JSON.stringify([paid.id]), 10_000, 100);
  await w.shot("dashboard-search");
  await search("");
  await w.click("[data-testid=payments-filter-status] option[value=attention]");
  await w.until("the underpaid row", async () => (await rows()).includes(short.id), 10_000, 100);
  assert.deepEqual(await rows(), [short.id]);
  await w.click(`[data-testid=payment-row][data-session-id='${short.id}']`);
  await w.until("the detail", () => w.find("[data-testid=session-detail]"));
  const timeline = await w.until("the timeline", async () => {
    const t = await w.text("[data-testid=timeline]");
    return /underpaid/i.test(t) ? t : null;
  });
  assert.match(timeline, /created/i);
  assert.ok((await w.findAll("[data-testid=delivery]")).length >= 2, "each event's delivery to the endpoint is listed");
  await w.shot("dashboard-detail");
  await w.click("[data-testid=session-detail] button.close");
  await w.until("the detail closed", async () => (await w.findAll("[data-testid=session-detail]")).length === 0);
  await w.click("[data-testid=payments-filter-status] option[value='']");
});

test("simulate payment turns a test session paid", async () => {
  await search(spare.metadata.orderId);
  await w.until("the spare row", async () => JSON.stringify(await rows()) === JSON.stringify([spare.id]), 10_000, 100);
  await w.click(`[data-testid=payment-row][data-session-id='${spare.id}']`);
  await w.until("simulate", () => w.find("[data-testid=simulate-payment]"));
  await w.click("[data-testid=simulate-payment]");
  await w.until("seen", async () => (await call(testKeyCreatedInWindow, "GET", `/checkout_sessions/${spare.id}`)).body.status !== "pending");
  await anvil.rpc("anvil_mine", ["0x3"]);
  await w.until("paid", async () => /paid/i.test(await w.text("[data-testid=session-detail]")), 10_000);
  assert.equal((await call(testKeyCreatedInWindow, "GET", `/checkout_sessions/${spare.id}`)).body.status, "paid");
});

test("the CSV written by the CLI reads back with a standard CSV reader and matches the sessions", async () => {
  const file = path.join(dataDir, "export.csv");
  cli("sessions", "export", "--output", file);
  const parsed = JSON.parse(
    execFileSync("python3", ["-c", "import csv, json, sys; print(json.dumps(list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))))", file], { encoding: "utf8" }),
  );
  assert.equal(parsed.length, 1000);
  const byId = new Map(parsed.map((r) => [r.id, r]));
  assert.equal(byId.get(paid.id).status, "paid");
  assert.equal(byId.get(short.id).status, "underpaid");
  assert.equal(JSON.parse(byId.get(short.id).metadata).orderId, short.metadata.orderId);
  assert.equal(byId.get(paid.id).amount, paid.amount.value);
  assert.match(byId.get(paid.id).txHashes, /^0x[0-9a-f]{64}$/);
});
