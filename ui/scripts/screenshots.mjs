// Screenshots of every screen and state from the mock harness (mock.html), light and dark, at
// 1024×768 and 1920×1080. Not part of the app or its tests.
//
//   npx vite --port 5199 &                       (in ui/)
//   npm i --prefix /tmp/shots playwright-core     (once, outside the repo)
//   node scripts/screenshots.mjs [out-dir] [filter]
import path from "node:path";
import { mkdirSync } from "node:fs";

const PW = process.env.PLAYWRIGHT_CORE ?? "/tmp/shots/node_modules/playwright-core/index.mjs";
const { chromium } = await import(PW);
const BASE = process.env.MOCK_URL ?? "http://127.0.0.1:5199/mock.html";
const OUT = path.resolve(process.argv[2] ?? "/tmp/shots/out");
const FILTER = process.argv[3] ? new RegExp(process.argv[3]) : null;
mkdirSync(OUT, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});

const id = (t) => `[data-testid="${t}"]`;
const WORDS = "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title".split(" ");

/** name → [query, hash, steps(page)] */
const scenes = {
  "01-setup-welcome": ["setup", "", async () => {}],
  "02-setup-words": ["setup", "", async (p) => { await p.click(id("setup-create")); await p.waitForSelector(id("setup-words")); }],
  "03-setup-confirm": ["setup", "", async (p) => {
    await p.click(id("setup-create")); await p.click(id("setup-next"));
    for (const el of await p.$$(id("setup-confirm-word"))) { const i = Number(await el.getAttribute("data-index")); await el.fill(i === 20 ? "wrong" : WORDS[i - 1]); }
    await p.click(id("setup-till-yes")); await p.click(id("setup-next")); await p.waitForSelector("[role=alert]");
  }],
  "04-setup-import-error": ["setup", "", async (p) => {
    await p.click(id("setup-import")); await p.fill(id("setup-phrase"), "abandon abandon abandon abandon ab abandon abandon abandon abandon abandon abandon about");
    await p.click(id("setup-till-no")); await p.click(id("setup-next")); await p.waitForSelector("#phrase-err");
  }],
  "05-setup-store": ["setup", "", async (p) => {
    await p.click(id("setup-import")); await p.fill(id("setup-phrase"), "test test test test test test test test test test test junk");
    await p.click(id("setup-till-no")); await p.click(id("setup-next")); await p.fill(id("setup-store-name"), "Corner Coffee");
  }],
  "06-setup-network": ["setup", "", async (p) => {
    await p.click(id("setup-import")); await p.fill(id("setup-phrase"), "test test test test test test test test test test test junk");
    await p.click(id("setup-till-no")); await p.click(id("setup-next")); await p.fill(id("setup-store-name"), "Corner Coffee"); await p.click(id("setup-next"));
    await p.selectOption(id("setup-network"), "base"); await p.click(id("setup-rpc-test")); await p.waitForSelector(`${id("setup-rpc-result")}.ok`);
  }],
  "06b-setup-networks-two": ["setup", "", async (p) => {
    await toNetworkStep(p);
    await p.click(id("setup-rpc-test")); await p.waitForSelector(`${id("setup-rpc-result")}.ok`);
    await p.click(id("setup-network-add")); await p.waitForSelector(`${id("setup-network-item")} >> nth=1`);
  }],
  "06c-setup-networks-custom-dup": ["setup", "", async (p) => {
    await toNetworkStep(p);
    await p.selectOption(id("setup-network"), "base"); await p.click(id("setup-rpc-test")); await p.waitForSelector(`${id("setup-rpc-result")}.ok`);
    await p.click(id("setup-network-add")); await p.waitForSelector(`${id("setup-network-item")} >> nth=1`);
    await p.click(id("setup-rpc-test")); await p.waitForSelector(`${id("setup-rpc-result")}.ok`);
    await p.click(id("setup-network-add")); await p.waitForSelector(`${id("setup-network-item")} >> nth=2`);
    await p.selectOption(id("setup-network"), "custom"); await p.fill(id("setup-custom-chain-id"), "8453"); await p.fill(id("setup-custom-name"), "Base via my node");
    await p.fill(id("setup-custom-rate"), "3000"); await p.fill(id("setup-rpc-url"), "https://base.example/rpc");
    await p.click(id("setup-rpc-test")); await p.waitForSelector(`${id("setup-rpc-result")}.ok`);
    await p.click(id("setup-next")); await p.waitForSelector("[role=alert]");
  }],
  "07-setup-network-wrong": ["setup", "", async (p) => {
    await p.click(id("setup-import")); await p.fill(id("setup-phrase"), "test test test test test test test test test test test junk");
    await p.click(id("setup-till-no")); await p.click(id("setup-next")); await p.fill(id("setup-store-name"), "Corner Coffee"); await p.click(id("setup-next"));
    await p.selectOption(id("setup-network"), "custom"); await p.fill(id("setup-rpc-url"), "https://wrong.example/rpc");
    await p.fill(id("setup-custom-chain-id"), "8453"); await p.fill(id("setup-custom-name"), "My chain");
    await p.click(id("setup-rpc-test")); await p.waitForSelector(`${id("setup-rpc-result")}.bad`);
  }],
  "08-setup-pin": ["setup", "", async (p) => {
    await p.click(id("setup-import")); await p.fill(id("setup-phrase"), "test test test test test test test test test test test junk");
    await p.click(id("setup-till-no")); await p.click(id("setup-next")); await p.fill(id("setup-store-name"), "Corner Coffee"); await p.click(id("setup-next"));
    await p.click(id("setup-rpc-test")); await p.waitForSelector(`${id("setup-rpc-result")}.ok`); await p.click(id("setup-next"));
    await p.fill(id("setup-pin"), "123456"); await p.fill(id("setup-pin-repeat"), "123457"); await p.click(id("setup-next"));
  }],
  "09-setup-review": ["setup", "", async (p) => {
    await p.click(id("setup-import")); await p.fill(id("setup-phrase"), "test test test test test test test test test test test junk");
    await p.click(id("setup-till-no")); await p.click(id("setup-next")); await p.fill(id("setup-store-name"), "Corner Coffee"); await p.click(id("setup-next"));
    await p.click(id("setup-rpc-test")); await p.waitForSelector(`${id("setup-rpc-result")}.ok`); await p.click(id("setup-next"));
    await p.fill(id("setup-pin"), "123456"); await p.fill(id("setup-pin-repeat"), "123456"); await p.click(id("setup-next")); await p.waitForSelector(id("setup-finish"));
  }],
  "09b-setup-review-two": ["setup", "", async (p) => {
    await toNetworkStep(p);
    await p.click(id("setup-rpc-test")); await p.waitForSelector(`${id("setup-rpc-result")}.ok`);
    await p.click(id("setup-network-add")); await p.waitForSelector(`${id("setup-network-item")} >> nth=1`);
    await p.click(id("setup-rpc-test")); await p.waitForSelector(`${id("setup-rpc-result")}.ok`); await p.click(id("setup-next"));
    await p.fill(id("setup-pin"), "123456"); await p.fill(id("setup-pin-repeat"), "123456"); await p.click(id("setup-next")); await p.waitForSelector(id("setup-finish"));
  }],
  "10-amount-entry": ["entry", "", async (p) => { await p.keyboard.type("12.50"); }],
  "11-pending": ["pending", "", async () => {}],
  "11b-pending-usdc": ["pending&asset=USDC", "", async () => {}],
  "12-detected": ["detected", "", async () => {}],
  "13-underpaid": ["underpaid", "", async () => {}],
  "14-paid": ["paid", "", async () => {}],
  "15-overpaid": ["overpaid", "", async () => {}],
  "16-paid-late": ["paid_late", "", async () => {}],
  "17-expired": ["expired", "", async () => {}],
  "17b-expired-refund": ["expired-refund", "", async () => {}],
  "18-canceled": ["canceled", "", async () => {}],
  "19-new-sale-confirm": ["detected", "", async (p) => { await p.click(id("new-sale")); await p.waitForSelector(id("new-sale-confirm")); }],
  "20-pin-error": ["entry", "", async (p) => {
    await p.click(id("open-dashboard")); await p.fill(id("pin-input"), "000000"); await p.click(id("pin-submit"));
    await p.waitForFunction(() => document.querySelector('[data-testid="pin-error"]')?.textContent?.includes("Try again"));
  }],
  "21-settings-error": ["settings", "", async (p) => {
    await p.click(id("open-dashboard")); await p.click(id("nav-settings")); await p.waitForSelector(id("settings"));
    await p.fill("input[type=number] >> nth=0", "0"); await p.click("button[type=submit]"); await p.waitForSelector(".error");
  }],
  "30-dash-payments": ["dashboard", "", async (p) => { await openDash(p); }],
  "31-dash-detail-paid": ["dashboard", "", async (p) => {
    await openDash(p);
    await p.click(`${id("payment-row")}:has-text("Paid") >> nth=0`); await p.waitForSelector(id("timeline"));
  }],
  "32-dash-detail-test-open": ["dashboard", "", async (p) => {
    await openDash(p);
    await p.click(`${id("payment-row")} >> nth=0`); await p.waitForSelector(id("simulate-payment"));
  }],
  "33-dash-attention": ["dashboard", "", async (p) => {
    await openDash(p);
    await p.selectOption(id("payments-filter-status"), "attention"); await p.waitForTimeout(200);
    await p.click(`${id("payment-row")}:has-text("Overpaid") >> nth=0`); await p.waitForSelector(id("timeline"));
  }],
  "34-dash-search-none": ["dashboard", "", async (p) => {
    await openDash(p);
    await p.fill(id("payments-search"), "0xdeadbeef"); await p.waitForTimeout(400);
  }],
  "35-dash-empty": ["dashboard-empty", "", async (p) => { await openDash(p); }],
  "36-dash-chain-error": ["dashboard-chain-error", "", async (p) => { await openDash(p); }],
  "37-dash-totals-today": ["dashboard", "", async (p) => { await openDash(p); await p.click(id("nav-totals")); await p.waitForSelector(id("totals")); }],
  "38-dash-totals-week": ["dashboard", "", async (p) => {
    await openDash(p); await p.click(id("nav-totals")); await p.click("button:has-text('Last 7 days')"); await p.waitForTimeout(200);
  }],
  "39-dash-webhooks": ["dashboard", "", async (p) => {
    await openDash(p); await p.click(id("nav-webhooks")); await p.waitForSelector(id("webhook-endpoint"));
    await p.click(`${id("webhook-test")} >> nth=0`); await p.click(`${id("webhook-log")} >> nth=0`); await p.waitForSelector(".log table");
  }],
  "40-dash-webhook-secret": ["dashboard", "", async (p) => {
    await openDash(p); await p.click(id("nav-webhooks"));
    await p.fill(id("webhook-name"), "Kitchen display"); await p.fill(id("webhook-url"), "https://kds.example.com/hooks");
    await p.click(id("webhook-add")); await p.waitForSelector(id("webhook-secret"));
  }],
  "41-dash-webhook-form-error": ["dashboard", "", async (p) => {
    await openDash(p); await p.click(id("nav-webhooks"));
    await p.fill(id("webhook-url"), "http://hooks.example.com/x"); await p.click(id("webhook-events-some"));
    await p.click("label.check >> nth=3"); await p.click(id("webhook-add")); await p.waitForSelector("[role=alert]");
  }],
  "42-dash-keys": ["dashboard", "", async (p) => { await openDash(p); await p.click(id("nav-keys")); await p.waitForSelector(id("api-key-row")); }],
  "43-dash-key-secret": ["dashboard", "", async (p) => {
    await openDash(p); await p.click(id("nav-keys")); await p.fill(id("api-key-name"), "Web shop"); await p.click(id("api-key-restricted"));
    await p.click(id("api-key-create")); await p.waitForSelector(id("api-key-secret"));
  }],
  "44-dash-key-revoke": ["dashboard", "", async (p) => {
    await openDash(p); await p.click(id("nav-keys")); await p.click(`${id("api-key-revoke")} >> nth=0`); await p.waitForSelector(id("api-key-revoke-confirm"));
  }],
  "45-dash-settings": ["dashboard", "", async (p) => { await openDash(p); await p.click(id("nav-settings")); await p.waitForSelector(id("settings-save")); }],
  "47-settings-add-network": ["settings", "", async (p) => {
    await openSettings(p); await p.click(id("settings-network-add")); await p.waitForSelector(id("settings-network-form"));
    await p.selectOption(id("settings-add-network"), "arbitrum"); await p.click(id("settings-add-rpc-test")); await p.waitForSelector(`${id("settings-add-rpc-result")}.ok`);
    await showAddForm(p);
  }],
  "48-settings-add-network-error": ["settings", "", async (p) => {
    await openSettings(p); await p.click(id("settings-network-add")); await p.waitForSelector(id("settings-network-form"));
    await p.fill(id("settings-add-rpc-url"), "https://wrong.example/rpc"); await p.click(id("settings-network-save"));
    await p.waitForSelector(`${id("settings-network-form")} [aria-invalid=true]`); await showAddForm(p);
  }],
  "49-settings-add-network-currency": ["settings-eur", "", async (p) => {
    await openSettings(p); await p.click(id("settings-network-add")); await p.waitForSelector(id("settings-network-form"));
    await p.click(id("settings-network-save")); await p.waitForSelector(`${id("settings-network-form")} .add-msg:not(:empty)`); await showAddForm(p);
  }],
  "50-settings-network-added": ["settings", "", async (p) => {
    await openSettings(p); await p.click(id("settings-network-add")); await p.waitForSelector(id("settings-network-form"));
    await p.click(id("settings-network-save")); await p.waitForSelector(".add-row .ok");
    await p.evaluate(() => document.querySelector(".add-row").scrollIntoView({ block: "end" }));
  }],
  "46-dash-locked-pin": ["dashboard-locked", "", async (p) => {
    await p.click(id("open-dashboard")); await p.fill(id("pin-input"), "123456"); await p.click(id("pin-submit")); await p.waitForSelector(id("payment-row"));
    await p.evaluate(() => { window.fake.unlocked = false; }); await p.click(id("nav-totals")); await p.waitForSelector(id("pin-input"));
  }],
  "22-customer-pending": ["pending", "#customer", async () => {}],
  "23-customer-detected": ["detected", "#customer", async () => {}],
  "24-customer-paid": ["paid", "#customer", async () => {}],
  "25-customer-expired": ["expired", "#customer", async () => {}],
  "26-customer-welcome": ["entry", "#customer", async () => {}],
};

/** The wizard's import path up to the networks step. */
async function toNetworkStep(p) {
  await p.click(id("setup-import")); await p.fill(id("setup-phrase"), "test test test test test test test test test test test junk");
  await p.click(id("setup-till-no")); await p.click(id("setup-next")); await p.fill(id("setup-store-name"), "Corner Coffee"); await p.click(id("setup-next"));
  await p.waitForSelector(id("setup-network"));
}

async function openSettings(p) {
  await p.click(id("open-dashboard")); await p.click(id("nav-settings")); await p.waitForSelector(id("settings-network-add"));
}

/** Scrolls the settings so the add-network form ends at the bottom of the window. */
async function showAddForm(p) {
  await p.evaluate(() => document.querySelector('[data-testid="settings-network-form"]').scrollIntoView({ block: "end" }));
}

async function openDash(p) {
  await p.click(id("open-dashboard"));
  await p.waitForSelector(`${id("payment-row")}, .empty`);
}

const sizes = [[1024, 768], [1920, 1080]];
const schemes = ["light", "dark"];
let n = 0;
for (const [name, [query, hash, steps]] of Object.entries(scenes)) {
  if (FILTER && !FILTER.test(name)) continue;
  for (const [w, h] of sizes) {
    for (const scheme of schemes) {
      const page = await browser.newPage({ viewport: { width: w, height: h }, colorScheme: scheme, reducedMotion: "reduce" });
      const errors = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      await page.goto(`${BASE}?scene=${query}${hash}`);
      await page.waitForTimeout(300);
      try {
        await steps(page);
      } catch (e) {
        console.error(`${name}: ${e.message.split("\n")[0]}`);
      }
      await page.waitForTimeout(250);
      const file = path.join(OUT, `${name}-${w}x${h}-${scheme}.png`);
      await page.screenshot({ path: file });
      if (errors.length) console.error(`${name}: page errors: ${errors.join(" | ")}`);
      await page.close();
      n++;
    }
  }
}
await browser.close();
console.log(`${n} screenshots in ${OUT}`);
