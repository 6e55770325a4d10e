// Mock harness: the real App on a fake engine, one scene per URL (`/mock.html?scene=paid`,
// `/mock.html?scene=detected#customer`). Served by `npx vite`; not part of the production build
// (vite builds index.html only).
import { mount } from "svelte";
import App from "../App.svelte";
import "../app.css";
import type { Status } from "../lib/gen/ipc";
import { FakeBackend, makeView } from "./fake";

const params = new URLSearchParams(location.search);
const scene = params.get("scene") ?? "entry";
const fake = new FakeBackend();

const statuses: Status[] = ["pending", "detected", "underpaid", "paid", "overpaid", "paid_late", "expired", "canceled"];

if (scene === "setup") {
  fake.setup = { wallet: null, configured: false };
} else if (scene === "settings") {
  fake.unlocked = true;
} else if (scene === "chain-down") {
  // The node of the chosen network does not answer: the till will not charge on it.
  fake.chains = [{ ...fake.chains[0], connected: false, error: "ws://127.0.0.1:8545: cannot connect: Connection refused" }, fake.chains[1]];
} else if (scene === "settings-update") {
  // The daily check found a newer release: settings offer it with its notes.
  fake.unlocked = true;
  fake.release = {
    version: "0.2.0",
    currentVersion: "0.1.0",
    notes: "Receipts can be printed and shown as a QR code.\nThe till says why it cannot charge while the node is down.",
    date: "2026-12-01T09:00:00+00:00",
  };
  void fake.updateCheck();
} else if (scene === "settings-eur") {
  // A euro shop: adding a preset priced by Chainlink (USD) is refused on the currency.
  fake.unlocked = true;
  fake.settings = { ...fake.settings, currency: "EUR" };
} else if (scene.startsWith("dashboard")) {
  // The owner's dashboard over a ledger of generated sales (`open-dashboard` opens it: unlocked).
  fake.unlocked = scene !== "dashboard-locked";
  fake.withLedger(scene === "dashboard-empty" ? 0 : 240);
  if (scene === "dashboard-chain-error") {
    fake.chains = [
      fake.chains[0],
      { ...fake.chains[1], connected: false, lag: 14, processed: 22_451_893, error: "node unreachable: connection timed out after 10 s" },
    ];
  }
} else if (scene === "no-sound") {
  fake.info = { ...fake.info, sound: false };
} else if (scene === "usd3") {
  fake.info = { ...fake.info, currency: "BHD", minorUnits: 3 };
} else if ((statuses as string[]).includes(scene) || scene === "expired-refund") {
  const status = (scene === "expired-refund" ? "expired" : scene) as Status;
  const v = makeView(status, { asset: params.get("asset") === "USDC" ? "USDC" : "ETH" });
  if (scene === "expired-refund") {
    v.session.amountReceived = { atomic: "3000000000000000", value: "0.003" };
    v.refundDue = v.session.amountReceived;
  }
  fake.put(v);
  fake.current = v;
}

// For the screenshot script and manual poking from the console.
(window as unknown as { fake: FakeBackend; makeView: typeof makeView }).fake = fake;
(window as unknown as { makeView: typeof makeView }).makeView = makeView;

mount(App, {
  target: document.getElementById("app")!,
  props: { backend: fake, window: location.hash === "#customer" ? "customer" : "main" },
});
