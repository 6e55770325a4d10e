// The real window under Xvfb, driven through tauri-driver + WebKitWebDriver (see window.mjs).
// Run by `make test` inside scripts/with-keyring.sh and xvfb-run. A new install goes from the
// setup wizard to sales on a real anvil devnet.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startDevnet, startRelay } from "./devnet.mjs";
import { ROOT, Window } from "./window.mjs";

const BIN = process.env.CHAINTILL_BIN ?? path.join(ROOT, "target/debug/chaintill");
const PHRASE = "test test test test test test test test test test test junk";
/** An https feed on a port where nothing listens. */
const CLOSED_FEED = "https://127.0.0.1:9/latest.json";

let dataDir;
let anvil;
/** The shop's node is reached through this relay, so a test can take it down. */
let relay;
let rpc;
let w;

const cli = (...args) => execFileSync(BIN, ["--data-dir", dataDir, ...args], { encoding: "utf8" });
/** A fresh data dir that listens on a free port: a new install before the wizard. */
function newDataDir(prefix) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  // Updates from a feed that never answers: no test reaches out to the release feed.
  writeFileSync(
    path.join(dir, "chaintill.toml"),
    `[api]\nbind = "127.0.0.1:0"\n\n[updates]\ncheck_at_start = false\nfeed_url = "${CLOSED_FEED}"\n`,
  );
  return dir;
}

before(async () => {
  dataDir = newDataDir("chaintill-e2e-");
  anvil = await startDevnet();
  relay = await startRelay(anvil.port);
  rpc = anvil.rpc;
  w = new Window({ CHAINTILL_DATA_DIR: dataDir });
  await w.open(BIN);
});

after(async () => {
  await w?.close();
  w?.stop();
  await relay?.close();
  anvil?.kill();
});

const PIN = "246810";

/** From the till: the PIN, then settings (the dashboard reopens on the tab the owner left, so
 *  the tab is chosen), until `ready` shows. */
async function openOwnerSettings(ready) {
  await w.click("[data-testid=open-dashboard]");
  await w.until("PIN dialog", () => w.find("[data-testid=pin-input]"));
  await w.type("[data-testid=pin-input]", PIN);
  await w.click("[data-testid=pin-submit]");
  await w.until("dashboard", () => w.find("[data-testid=nav-settings]"));
  await w.click("[data-testid=nav-settings]");
  await w.until("settings", () => w.find(ready));
}

test("the wizard imports the phrase, tests the devnet, sets a PIN and ends ready to charge", async () => {
  await w.setUpShop({
    phrase: PHRASE,
    storeName: "Corner Coffee",
    rpcPort: relay.port,
    pin: PIN,
    onStep: (step) => w.shot(`setup-${step}`),
    // A mistyped word is pointed at before anything is stored.
    beforeImport: async () => {
      await w.type("[data-testid=setup-phrase]", PHRASE.replace("junk", "junkk"));
      await w.click("[data-testid=setup-till-no]");
      await w.click("[data-testid=setup-next]");
      await w.until("the bad word named", async () => /word 12/.test(await w.text("[data-testid=setup]")));
    },
  });
  const config = readFileSync(path.join(dataDir, "chaintill.toml"), "utf8");
  assert.match(config, /name = "Corner Coffee"/);
  assert.doesNotMatch(config, new RegExp(PIN));
  const wallet = JSON.parse(cli("wallet", "show", "--json"));
  assert.equal(wallet.addresses[0].address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  // The engine watches the chosen node without a restart.
  await w.until("chain watched", async () => /local: block \d+/.test(await w.text("[data-testid=chain-state]")));
  await w.shot("cashier-entry");
});

test("once the PIN is set, a script in the window cannot reach the wizard's commands (reset the PIN, re-point the node)", async () => {
  const codes = await w.run(`
    const done = arguments[arguments.length - 1];
    const invoke = window.__TAURI_INTERNALS__.invoke;
    const req = { storeName: "Not the owner", currency: "USD", pin: "000000",
      networks: [{ preset: "local", rpcUrl: "ws://127.0.0.1:1", confirmations: 1 }] };
    Promise.allSettled([
      invoke("setup_finish", { req }),
      invoke("wallet_generate"),
      invoke("wallet_import", { phrase: "test test test test test test test test test test test junk", passphrase: "", account: 1 }),
      invoke("rpc_test", { url: "ws://127.0.0.1:1", chainId: 1 }),
    ]).then((r) => done(r.map((x) => (x.status === "rejected" ? (x.reason && x.reason.code) || String(x.reason) : "ok"))));
  `);
  assert.deepEqual(codes, ["forbidden", "forbidden", "forbidden", "locked"]);
  // The store is still the owner's, and the owner's PIN still opens the settings.
  assert.match(readFileSync(path.join(dataDir, "chaintill.toml"), "utf8"), /name = "Corner Coffee"/);
  const wallet = JSON.parse(cli("wallet", "show", "--json"));
  assert.equal(wallet.account, 0);
});

test("the cashier charges, the customer pays, the counter runs to paid, Enter starts the next sale", async () => {
  await w.type("[data-testid=amount]", "12.50");
  await w.key("\uE007");
  await w.until("QR code", () => w.find("[data-testid=qr] svg"));
  assert.equal(await w.text("[data-testid=asset-amount]"), "0.004167 ETH");
  const address = await w.text("[data-testid=address]");
  assert.match(await w.status(), /Waiting for payment/);

  // The window went through the same service layer: the CLI sees the same session.
  const list = JSON.parse(cli("sessions", "list", "--json"));
  assert.equal(list.data.length, 1);
  assert.equal(list.data[0].address, address);
  assert.equal(list.data[0].fiat.amount, "12.50");
  await w.shot("cashier-qr");

  const [customer] = await rpc("eth_accounts");
  await rpc("eth_sendTransaction", [{ from: customer, to: address, value: "0x" + BigInt(list.data[0].amount.atomic).toString(16) }]);
  // The engine pushes each change to the window: both steps must show well before the window's
  // 15-second fallback refresh could have fetched them.
  const pushed = 8_000;
  // Seen in the mempool first (0 of 3), then in its block (automine): 1 of 3.
  await w.until("payment seen in its block", async () => /Payment seen[\s\S]*1 of 3 confirmations/.test(await w.status()), pushed);
  await w.shot("cashier-detected");
  await rpc("anvil_mine", ["0x2"]);
  await w.until("paid", async () => /Paid/.test(await w.status()), pushed);
  assert.match(await w.text("[data-testid=confirmations]"), /3 of 3 confirmations/);
  await w.shot("cashier-paid");
  assert.equal(JSON.parse(cli("sessions", "show", list.data[0].id, "--json")).status, "paid");

  // Enter starts a new sale; Escape cancels a pending one.
  await w.key("\uE007");
  await w.until("amount field", () => w.find("[data-testid=amount]"));
  await w.type("[data-testid=amount]", "3\uE007");
  await w.until("second QR", () => w.find("[data-testid=qr] svg"));
  await w.key("\uE00C");
  await w.until("canceled", async () => /Canceled/.test(await w.status()));
  assert.match(await w.status(), /do not pay/i);
  assert.equal(JSON.parse(cli("sessions", "list", "--json")).data[0].status, "canceled");
  await w.key("\uE007");
  await w.until("amount field again", () => w.find("[data-testid=amount]"));
});

test("an underpaid sale's QR asks for exactly the rest, and a top-up completes it", async () => {
  await w.type("[data-testid=amount]", "30\uE007");
  await w.until("QR code", () => w.find("[data-testid=qr] svg"));
  const s = JSON.parse(cli("sessions", "list", "--json")).data[0];
  const half = BigInt(s.amount.atomic) / 2n;
  const [customer] = await rpc("eth_accounts");
  await rpc("eth_sendTransaction", [{ from: customer, to: s.address, value: "0x" + half.toString(16) }]);
  await rpc("anvil_mine", ["0x2"]);
  await w.until("underpaid", async () => /Underpaid/.test(await w.status()), 8_000);
  const due = BigInt(s.amount.atomic) - half;
  assert.match(await w.text("[data-testid=amount-due]"), /Still due/);
  await w.shot("cashier-underpaid");
  // What a wallet scanning the screen reads: the QR decoded from the window's pixels.
  const png = Buffer.from(await w.wd("GET", w.s(`/element/${await w.find("[data-testid=qr]")}/screenshot`)), "base64");
  const file = path.join(dataDir, "qr.png");
  writeFileSync(file, png);
  const decoded = execFileSync("zbarimg", ["--quiet", "--raw", file], { encoding: "utf8" }).trim();
  assert.equal(decoded, `ethereum:${s.address}@31337?value=${due}`);
  // "New sale" while part is paid asks once; Enter confirms. The sale stays open under the last
  // sales, and a tap puts it back on screen.
  await w.key("\uE032"); // F2
  await w.until("the question", () => w.find("[data-testid=new-sale-confirm]"));
  await w.key("\uE007");
  await w.until("a fresh amount entry", () => w.find("[data-testid=amount]"));
  await w.click(`[data-session-id="${s.id}"]`);
  await w.until("the underpaid sale again", async () => /Underpaid/.test(await w.status()));
  await rpc("eth_sendTransaction", [{ from: customer, to: s.address, value: "0x" + due.toString(16) }]);
  await rpc("anvil_mine", ["0x2"]);
  await w.until("paid after the top-up", async () => /Paid/.test(await w.status()), 8_000);
  await w.key("\uE007");
  await w.until("amount field", () => w.find("[data-testid=amount]"));
});

test("a wallet's cancel (a replacement with the same nonce) returns the sale to waiting", async () => {
  await w.type("[data-testid=amount]", "7\uE007");
  await w.until("QR code", () => w.find("[data-testid=qr] svg"));
  const s = JSON.parse(cli("sessions", "list", "--json")).data[0];
  const [customer] = await rpc("eth_accounts");
  await rpc("evm_setAutomine", [false]);
  try {
    const nonce = await rpc("eth_getTransactionCount", [customer, "pending"]);
    await rpc("eth_sendTransaction", [{ from: customer, to: s.address, value: "0x" + BigInt(s.amount.atomic).toString(16), nonce, gasPrice: "0x2540be400" }]);
    await w.until("payment seen in the mempool", async () => /Payment seen/.test(await w.status()), 8_000);
    // The wallet's "cancel": the same nonce back to the sender, at a higher fee, then mined.
    await rpc("eth_sendTransaction", [{ from: customer, to: customer, value: "0x0", nonce, gasPrice: "0x4a817c800" }]);
    await rpc("anvil_mine", ["0x1"]);
    await w.until("back to waiting", async () => /Waiting for payment/.test(await w.status()), 8_000);
  } finally {
    await rpc("evm_setAutomine", [true]);
  }
  assert.equal(JSON.parse(cli("sessions", "show", s.id, "--json")).status, "pending");
  await w.key("\uE00C");
  await w.until("canceled", async () => /Canceled/.test(await w.status()));
  await w.key("\uE007");
  await w.until("amount field", () => w.find("[data-testid=amount]"));
});

test("the customer display follows the cashier's sale in its own window", async () => {
  const main = await w.wd("GET", w.s("/window"));
  await w.click("[data-testid=customer-display]");
  const handles = await w.until("second window", async () => {
    const h = await w.wd("GET", w.s("/window/handles"));
    return h.length > 1 ? h : null;
  });
  const display = handles.find((h) => h !== main);
  await w.type("[data-testid=amount]", "4.20\uE007");
  await w.until("QR code", () => w.find("[data-testid=qr] svg"));
  await w.wd("POST", w.s("/window"), { handle: display });
  try {
    await w.until("the sale on the customer display", async () => /4\.20/.test(await w.text("body")), 8_000);
    assert.ok(await w.find("svg"), "the customer display shows the QR");
    assert.doesNotMatch(await w.text("body"), /Owner|Settings|xpub/, "no owner functions on the customer's screen");
    await w.shot("customer-display");
  } finally {
    await w.wd("POST", w.s("/window"), { handle: main });
  }
  await w.key("\uE00C");
  await w.until("canceled", async () => /Canceled/.test(await w.status()));
  await w.key("\uE007");
  await w.until("amount field", () => w.find("[data-testid=amount]"));
});

test("with the node down the till says so and will not charge on it; an open sale may show late; both clear once the node is back", async () => {
  await w.type("[data-testid=amount]", "4\uE007");
  await w.until("QR code", () => w.find("[data-testid=qr] svg"));
  await relay.cut();
  const late = await w.until("the open sale says its payment may show late", async () => {
    const found = await w.findAll("[data-testid=chain-down]");
    return found.length ? w.text("[data-testid=chain-down]") : null;
  }, 60_000);
  assert.match(late, /This payment may show late/);
  await w.shot("cashier-sale-chain-down");
  await w.key("\uE00C");
  await w.until("canceled", async () => /Canceled/.test(await w.status()));
  await w.key("\uE007");
  await w.until("amount field", () => w.find("[data-testid=amount]"));
  const notice = await w.until("charging refused with the reason", async () => {
    const found = await w.findAll("[data-testid=chain-down]");
    return found.length ? w.text("[data-testid=chain-down]") : null;
  });
  assert.match(notice, /Charging in ETH on Local devnet is paused/);
  assert.match(notice, /node does not answer/);
  await w.type("[data-testid=amount]", "4\uE007");
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await w.findAll("[data-testid=qr]")).length, 0, "no QR while the node is down");
  assert.equal(await w.wd("GET", w.s(`/element/${await w.find("[data-testid=charge]")}/enabled`)), false);
  await w.shot("cashier-chain-down");

  await relay.restore();
  await w.until("the notice clears by itself", async () => (await w.findAll("[data-testid=chain-down]")).length === 0, 60_000);
  await w.click("[data-testid=charge]");
  await w.until("QR code", () => w.find("[data-testid=qr] svg"));
  await w.key("\uE00C");
  await w.until("canceled", async () => /Canceled/.test(await w.status()));
  await w.key("\uE007");
  await w.until("amount field", () => w.find("[data-testid=amount]"));
});

test("Check for updates is refused while a sale is open, and a feed that cannot be reached is named", async () => {
  const openSettings = () => openOwnerSettings("[data-testid=check-updates]");
  const checkSays = async (what) => {
    await w.run(`arguments[arguments.length - 1](document.querySelector("[data-testid=updates]").scrollIntoView({ block: "center" }))`);
    await w.click("[data-testid=check-updates]");
    return w.until(what, async () => {
      const text = await w.text("[data-testid=updates]");
      return /Checking/.test(text) ? null : text;
    });
  };
  await w.type("[data-testid=amount]", "3\uE007");
  await w.until("QR code", () => w.find("[data-testid=qr] svg"));
  await openSettings();
  assert.match(await checkSays("refused during the sale"), /a sale is open on the till: finish or cancel it first/);
  assert.equal((await w.findAll("[data-testid=update-install]")).length, 0);
  await w.shot("settings-updates-sale-open");
  await w.click("[data-testid=lock]");
  await w.until("the sale again", () => w.find("[data-testid=qr] svg"));
  await w.key("\uE00C");
  await w.until("canceled", async () => /Canceled/.test(await w.status()));
  await w.key("\uE007");
  await w.until("amount field", () => w.find("[data-testid=amount]"));
  await openSettings();
  const unreachable = await checkSays("the feed is named");
  assert.match(unreachable, /the update feed cannot be reached: .*Connection refused/);
  assert.doesNotMatch(unreachable, /latest\.json/, "a feed URL may carry a token: never shown");
  await w.shot("settings-updates");
  // The owner's screens open on the tab they were left on: leave them on Payments.
  await w.click("[data-testid=nav-payments]");
  await w.click("[data-testid=lock]");
  await w.until("cashier again", () => w.find("[data-testid=amount]"));
});

test("a wrong PIN is refused; the right one opens settings; a changed expiry is used by the next sale, which expires on one key", async () => {
  await w.click("[data-testid=open-dashboard]");
  await w.until("PIN dialog", () => w.find("[data-testid=pin-input]"));
  await w.type("[data-testid=pin-input]", "999999");
  await w.click("[data-testid=pin-submit]");
  await w.until("wrong PIN said", async () => /wrong/i.test(await w.text("[data-testid=pin-error]")));
  await w.shot("pin-wrong");
  await w.clear("[data-testid=pin-input]");
  await w.type("[data-testid=pin-input]", PIN);
  await w.click("[data-testid=pin-submit]");
  // The PIN opens the owner's dashboard; settings are one of its tabs.
  await w.until("dashboard", () => w.find("[data-testid=payments-search]"));
  await w.shot("dashboard-payments");
  await w.click("[data-testid=nav-settings]");
  await w.until("settings", () => w.find("[data-testid=settings]"));
  await w.shot("settings");
  // About: the version, where the data and the logs are, and the diagnostics for support.
  await w.until("about", () => w.find("[data-testid=about]"));
  await w.run(`arguments[arguments.length - 1](document.querySelector("[data-testid=about]").scrollIntoView({ block: "center" }))`);
  await w.until("about", async () => /0\.1\.0/.test(await w.text("[data-testid=about]")));
  const about = await w.text("[data-testid=about]");
  assert.ok(about.includes(dataDir), about);
  const diagnostics = await w.run(`
    const done = arguments[arguments.length - 1];
    window.__TAURI_INTERNALS__.invoke("diagnostics").then(done, (e) => done("refused: " + JSON.stringify(e)));
  `);
  assert.match(diagnostics, /^Chaintill 0\.1\.0$/m);
  assert.match(diagnostics, /^local \(chain 31337\): connected; head \d+/m);
  assert.match(diagnostics, /rpc_urls = \["ws:\/\/127\.0\.0\.1:\d+"\]/);
  assert.doesNotMatch(diagnostics, new RegExp(PIN));
  await w.click("[data-testid=copy-diagnostics]");
  await w.until("copied", async () => /Copied|Could not copy/.test(await w.text("[data-testid=about]")));
  await w.shot("settings-about");
  assert.match(await w.text("[data-testid=about]"), /Copied/);
  const expiry = "[data-testid=settings] input[name=expiryMinutes]";
  await w.clear(expiry);
  await w.type(expiry, "1");
  // And ETH's price: the next sale is quoted at it.
  const rate = "[data-testid=settings] input[name='networks.0.assets.0.fixedRate']";
  await w.clear(rate);
  await w.type(rate, "2500.00");
  await w.click("[data-testid=settings-save]");
  await w.until("saved", async () => /1/.test(readFileSync(path.join(dataDir, "chaintill.toml"), "utf8").match(/expiry_minutes = (\d+)/)?.[1] ?? ""));
  assert.match(readFileSync(path.join(dataDir, "chaintill.toml"), "utf8"), /expiry_minutes = 1\b/);
  await w.click("[data-testid=lock]");
  await w.until("cashier again", () => w.find("[data-testid=amount]"));

  await w.type("[data-testid=amount]", "5\uE007");
  await w.until("QR code", () => w.find("[data-testid=qr] svg"));
  const s = JSON.parse(cli("sessions", "list", "--json")).data[0];
  assert.equal(Date.parse(s.expiresAt) - Date.parse(s.createdAt), 60_000);
  assert.equal(s.rate, "2500.00");
  assert.equal(await w.text("[data-testid=asset-amount]"), "0.002 ETH");
  // Expiry follows the chain: a block past the deadline ends it.
  await rpc("evm_increaseTime", [120]);
  await rpc("anvil_mine", ["0x1"]);
  await w.until("expired", async () => /Expired/.test(await w.status()), 10_000);
  assert.match(await w.status(), /No payment arrived — do not pay/);
  await w.shot("cashier-expired");
  // "Charge again": a new session for the same 5.00 USD in ETH, a new address.
  await w.click("[data-testid=charge-again]");
  await w.until("a new QR code", async () => (await w.findAll("[data-testid=qr] svg")).length > 0 && !/Expired/.test(await w.status()));
  const again = JSON.parse(cli("sessions", "list", "--json")).data[0];
  assert.notEqual(again.id, s.id);
  assert.equal(again.fiat.amount, "5.00");
  assert.equal(again.network.id, s.network.id);
  assert.equal(again.asset.symbol, s.asset.symbol);
  assert.notEqual(again.address, s.address);
  await w.key("\uE00C");
  await w.until("canceled", async () => /Canceled/.test(await w.status()));
  await w.key("\uE007");
  await w.until("amount field after expiry", () => w.find("[data-testid=amount]"));
});

test("a new shop creates its wallet in the wizard: 24 words shown once, three re-typed", async () => {
  await w.close();
  const dir = newDataDir("chaintill-e2e-create-");
  await w.open(BIN, ["--data-dir", dir]);
  await w.until("the wizard", () => w.find("[data-testid=setup]"));
  await w.click("[data-testid=setup-create]");
  const words = (await w.until("the words", async () => (await w.text("[data-testid=setup-words]")).trim())).split(/\s+/);
  assert.equal(words.length, 24);
  await w.shot("setup-words");
  await w.click("[data-testid=setup-next]");
  const inputs = await w.until("the words to re-type", async () => {
    const found = await w.findAll("[data-testid=setup-confirm-word]");
    return found.length === 3 ? found : null;
  });
  for (const el of inputs) {
    const index = Number(await w.wd("GET", w.s(`/element/${el}/attribute/data-index`)));
    await w.wd("POST", w.s(`/element/${el}/value`), { text: words[index - 1] });
  }
  await w.click("[data-testid=setup-till-no]");
  await w.click("[data-testid=setup-next]");
  await w.setUpStore({ storeName: "Second Shop", rpcPort: anvil.port, pin: "13572468" });
  // The wallet is stored (account 0) and its words are not shown again.
  const shown = JSON.parse(execFileSync(BIN, ["--data-dir", dir, "wallet", "show", "--json"], { encoding: "utf8" }));
  assert.equal(shown.account, 0);
  assert.doesNotMatch(await w.text("body"), new RegExp(words.slice(0, 3).join(" ")));
});

test("a shop on two networks: the wizard adds a custom chain beside the devnet, settings add a third and remove it, and the cashier charges on each", async () => {
  const second = await startDevnet({ chainId: 7777 });
  const third = await startDevnet({ chainId: 8888 });
  try {
    await w.close();
    const dir = newDataDir("chaintill-e2e-networks-");
    await w.open(BIN, ["--data-dir", dir]);
    await w.until("the wizard", () => w.find("[data-testid=setup]"));
    await w.click("[data-testid=setup-import]");
    await w.type("[data-testid=setup-phrase]", PHRASE);
    await w.click("[data-testid=setup-till-no]");
    await w.click("[data-testid=setup-next]");
    await w.until("store step", () => w.find("[data-testid=setup-store-name]"));
    await w.clear("[data-testid=setup-store-name]");
    await w.type("[data-testid=setup-store-name]", "Two Chains Deli");
    await w.click("[data-testid=setup-next]");

    // The first network: the devnet, tested live.
    await w.until("network step", () => w.find("[data-testid=setup-network]"));
    await w.click("[data-testid=setup-network] option[value=local]");
    await w.clear("[data-testid=setup-rpc-url]");
    await w.type("[data-testid=setup-rpc-url]", `ws://127.0.0.1:${anvil.port}`);
    await w.click("[data-testid=setup-rpc-test]");
    await w.until("the devnet's answer", async () => /31337/.test(await w.text("[data-testid=setup-rpc-result]")));
    // The second: a custom chain with its own coin and price.
    await w.click("[data-testid=setup-network-add]");
    await w.until("a second network", async () => (await w.findAll("[data-testid=setup-network-item]")).length === 2);
    await w.click("[data-testid=setup-network] option[value=custom]");
    await w.fillCustomNetwork("setup", { chainId: "7777", name: "Shop chain", symbol: "SHOP", rate: "2.50", port: second.port });
    await w.click("[data-testid=setup-rpc-test]");
    await w.until("the custom chain's answer", async () => /7777/.test(await w.text("[data-testid=setup-rpc-result]")));
    await w.until("both networks tested", () => w.find("[data-testid=setup-network-item][data-network=custom] .state.good.shown"));
    await w.shot("setup-networks");
    await w.click("[data-testid=setup-next]");
    await w.setUpPin(PIN);
    assert.equal((await w.findAll("[data-testid=setup-review-network]")).length, 2);
    await w.click("[data-testid=setup-finish]");
    await w.until("the cashier screen", () => w.find("[data-testid=amount]"));

    const list = () => JSON.parse(execFileSync(BIN, ["--data-dir", dir, "sessions", "list", "--json"], { encoding: "utf8" })).data;
    /** Charges `amount` on `network`, pays it from that chain's first account and waits for paid. */
    async function chargeAndPay(network, chain, amount) {
      await w.until(`the ${network} choice`, () => w.find(`[data-testid=asset-choice] [data-network=${network}]`));
      await w.click(`[data-testid=asset-choice] [data-network=${network}]`);
      await w.type("[data-testid=amount]", `${amount}\uE007`);
      await w.until("QR code", () => w.find("[data-testid=qr] svg"));
      const s = list()[0];
      assert.equal(s.network.id, network);
      const [customer] = await chain.rpc("eth_accounts");
      await chain.rpc("eth_sendTransaction", [{ from: customer, to: s.address, value: "0x" + BigInt(s.amount.atomic).toString(16) }]);
      await chain.rpc("anvil_mine", ["0x3"]);
      await w.until(`paid on ${network}`, async () => /Paid/.test(await w.status()), 15_000);
      await w.key("\uE007");
      await w.until("amount field", () => w.find("[data-testid=amount]"));
      return s;
    }
    // 5.00 USD at 2.50 USD per SHOP.
    assert.equal((await chargeAndPay("chain-7777", second, "5")).amount.value, "2");

    const openSettings = () => openOwnerSettings("[data-testid=settings-network-add]");

    // Settings add a third network; the till watches it at once.
    await openSettings();
    await w.click("[data-testid=settings-network-add]");
    await w.until("the add form", () => w.find("[data-testid=settings-network-form]"));
    await w.click("[data-testid=settings-add-network] option[value=custom]");
    await w.fillCustomNetwork("settings-add", { chainId: "8888", name: "Third chain", symbol: "THR", rate: "10.00", port: third.port });
    await w.click("[data-testid=settings-network-save]");
    await w.until("added to the file", () => /chain_id = 8888/.test(readFileSync(path.join(dir, "chaintill.toml"), "utf8")));
    await w.until("said so", async () => /Watching Third chain now/.test(await w.text("[data-testid=settings]")));
    await w.shot("settings-network-added");
    await w.click("[data-testid=lock]");
    await w.until("cashier again", () => w.find("[data-testid=amount]"));
    // 3.00 USD at 10.00 USD per THR.
    assert.equal((await chargeAndPay("chain-8888", third, "3")).amount.value, "0.3");

    // Settings remove it again (after a confirmation); its sale stays in the ledger.
    await openSettings();
    await w.click("[data-testid=settings-network-remove][data-network=chain-8888]");
    await w.until("the confirmation", () => w.find("[data-testid=settings-network-remove-confirm]"));
    await w.shot("settings-network-remove");
    await w.click("[data-testid=settings-network-remove-yes]");
    await w.until("gone from the file", () => !/chain_id = 8888/.test(readFileSync(path.join(dir, "chaintill.toml"), "utf8")));
    await w.until("gone from the screen", async () => (await w.findAll("[data-testid=settings-network-remove][data-network=chain-8888]")).length === 0);
    assert.equal(list().filter((s) => s.network.id === "chain-8888" && s.status === "paid").length, 1);
    await w.click("[data-testid=lock]");
    await w.until("cashier again", () => w.find("[data-testid=amount]"));
    assert.equal((await w.findAll("[data-testid=asset-choice] [data-network=chain-8888]")).length, 0);
  } finally {
    second.kill();
    third.kill();
  }
});
