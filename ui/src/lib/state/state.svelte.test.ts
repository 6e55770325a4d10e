// The state classes against a fake engine: what they call, and what they show.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeBackend, INFO, PRESETS, WORDS, err, makeView } from "../../mock/fake";
import { AppModel } from "./app.svelte";
import { PinModel } from "./pin.svelte";
import { SaleModel, assetChoices } from "./sale.svelte";
import { SettingsModel } from "./settings.svelte";
import { SetupModel } from "./setup.svelte";
import { CustomerModel } from "./customer.svelte";

const flush = () => new Promise((r) => setTimeout(r, 0));
const memory = () => {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
};
const named = (fake: FakeBackend, name: string) => fake.calls.filter(([n]) => n === name).map(([, a]) => a);

describe("AppModel", () => {
  it("shows the wizard until there is a wallet and a configured shop", async () => {
    const fake = new FakeBackend();
    fake.setup = { wallet: null, configured: true };
    const app = new AppModel(fake);
    await app.load();
    expect(app.screen).toBe("setup");
    fake.setup = { wallet: await fake.walletConfirm([], 0), configured: false };
    await app.load();
    expect(app.screen).toBe("setup");
  });
  it("opens the cashier with info, wallet and chains", async () => {
    const app = new AppModel(new FakeBackend());
    await app.load();
    expect(app.screen).toBe("cashier");
    expect(app.info?.storeName).toBe("Corner Coffee");
    expect(app.wallet?.keychain.state).toBe("present");
    expect(app.chains).toHaveLength(2);
    expect(app.testMode).toBe(true);
  });
  it("asks for the PIN before the owner screens, and locks on the way back", async () => {
    const fake = new FakeBackend();
    const app = new AppModel(fake);
    await app.load();
    await app.openDashboard();
    expect(app.pinOpen).toBe(true);
    expect(app.screen).toBe("cashier");
    app.unlocked();
    expect(app.screen).toBe("dashboard");
    await app.lock();
    expect(app.screen).toBe("cashier");
    expect(named(fake, "lock")).toHaveLength(1);
  });
});

describe("SaleModel", () => {
  let fake: FakeBackend;
  let sale: SaleModel;
  let stop: () => void;
  beforeEach(() => {
    vi.useFakeTimers();
    fake = new FakeBackend();
    sale = new SaleModel(fake, memory());
    stop = sale.start();
  });
  afterEach(() => {
    stop();
    vi.useRealTimers();
  });

  it("offers every network × asset pair and remembers the choice", () => {
    expect(assetChoices(INFO).map((c) => c.key)).toEqual(["local:ETH", "local:USDC", "base:ETH", "base:USDC"]);
    expect(sale.choice(INFO)?.key).toBe("local:ETH");
    const storage = memory();
    const s1 = new SaleModel(fake, storage);
    s1.choose("base:USDC");
    expect(new SaleModel(fake, storage).choice(INFO)?.key).toBe("base:USDC");
    s1.choose("gone:XYZ");
    expect(new SaleModel(fake, storage).choice(INFO)?.key).toBe("local:ETH");
  });

  it("charges the shaped amount in the chosen pair and tells the engine what is on screen", async () => {
    sale.type("12.505", 2);
    sale.choose("base:USDC");
    await sale.charge(INFO);
    expect(named(fake, "createSession")).toEqual([["12.50", "base", "USDC"]]);
    expect(sale.view?.session.status).toBe("pending");
    expect(named(fake, "setCurrentSale")).toEqual([[sale.view!.session.id]]);
  });

  it("does not charge zero", async () => {
    sale.type("0.00", 2);
    await sale.charge(INFO);
    expect(named(fake, "createSession")).toEqual([]);
  });

  it("shows the engine's refusal", async () => {
    fake.createSession = async () => {
      throw err("rate_unavailable", "the ETH rate is stale");
    };
    sale.type("5", 2);
    await sale.charge(INFO);
    expect(sale.error).toBe("the ETH rate is stale");
    expect(sale.view).toBeNull();
  });

  it("refreshes on sessions-changed and chimes once when paid", async () => {
    const paid = vi.fn();
    sale.onPaid = paid;
    sale.type("12.50", 2);
    await sale.charge(INFO);
    const id = sale.view!.session.id;
    fake.put(makeView("detected", { id }));
    fake.emit("sessions-changed");
    await vi.advanceTimersByTimeAsync(0);
    expect(sale.view?.session.status).toBe("detected");
    fake.put(makeView("paid", { id }));
    fake.emit("sessions-changed");
    await vi.advanceTimersByTimeAsync(0);
    expect(sale.view?.paid).toBe(true);
    fake.emit("sessions-changed");
    await vi.advanceTimersByTimeAsync(0);
    expect(paid).toHaveBeenCalledTimes(1);
    // Final: no more reads.
    const reads = named(fake, "getSession").length;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(named(fake, "getSession").length).toBe(reads);
  });

  it("falls back to a 15 s refresh when no event comes", async () => {
    sale.type("1", 2);
    await sale.charge(INFO);
    await vi.advanceTimersByTimeAsync(14_000);
    expect(named(fake, "getSession")).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(named(fake, "getSession")).toHaveLength(1);
  });

  it("new sale: at once when final, cancels a pending one, asks when a payment is on it", async () => {
    sale.type("1", 2);
    await sale.charge(INFO);
    await sale.requestNewSale();
    expect(named(fake, "cancelSession")).toHaveLength(1);
    expect(sale.view).toBeNull();
    expect(named(fake, "setCurrentSale").at(-1)).toEqual([null]);

    sale.type("2", 2);
    await sale.charge(INFO);
    const id = sale.view!.session.id;
    fake.put(makeView("detected", { id }));
    await sale.refresh();
    await sale.requestNewSale();
    expect(sale.confirmingNew).toBe(true);
    expect(sale.view).not.toBeNull();
    await sale.newSale();
    expect(sale.view).toBeNull();
    expect(sale.confirmingNew).toBe(false);
  });

  it("keeps the sale when cancel is refused (a payment arrived meanwhile)", async () => {
    sale.type("1", 2);
    await sale.charge(INFO);
    const id = sale.view!.session.id;
    fake.put(makeView("detected", { id }));
    expect(await sale.cancel()).toBe(false);
    await sale.requestNewSale();
    expect(sale.view).not.toBeNull();
  });

  it("resumes the engine's current sale", async () => {
    const f2 = new FakeBackend();
    f2.current = makeView("underpaid");
    const s2 = new SaleModel(f2, memory());
    await s2.resume();
    expect(s2.view?.session.status).toBe("underpaid");
  });
});

describe("SetupModel", () => {
  it("create: shows the words, checks three, stores the wallet with the till's account", async () => {
    const fake = new FakeBackend();
    fake.setup = { wallet: null, configured: false };
    const s = new SetupModel(fake);
    await s.init();
    expect(s.step).toBe("welcome");
    await s.create();
    expect(s.step).toBe("words");
    expect(s.phrase?.words).toHaveLength(24);
    await s.next();
    expect(s.step).toBe("confirm");
    for (const i of s.phrase!.confirm) s.answers[i] = i === 20 ? "nope" : WORDS[i - 1];
    await s.next();
    expect(s.errors.till).toBeTruthy(); // the till question comes first
    s.sharedTill = true;
    s.tillNumber = 3;
    await s.next();
    expect(s.errors["word-20"]).toMatch(/word 20/);
    expect(s.step).toBe("confirm");
    s.answers[20] = WORDS[19];
    await s.next();
    expect(s.step).toBe("store");
    expect(named(fake, "walletConfirm").at(-1)).toEqual([[{ index: 3, word: "thank" }, { index: 11, word: "thank" }, { index: 20, word: "year" }], 2]);
    expect(s.phrase).toBeNull();
  });

  it("import: the engine's error stays under the phrase", async () => {
    const fake = new FakeBackend();
    fake.setup = { wallet: null, configured: false };
    const s = new SetupModel(fake);
    await s.init();
    s.startImport();
    s.importText = "legal ab thank";
    s.sharedTill = false;
    s.passphrase = "extra";
    await s.next();
    expect(s.errors.phrase).toBe("word 2 is not a BIP39 English word");
    s.importText = "Test test test test test test test test test test test junk";
    await s.next();
    expect(named(fake, "walletImport").at(-1)).toEqual(["test test test test test test test test test test test junk", "extra", 0]);
    expect(s.step).toBe("store");
  });

  it("network: needs a passing live test of exactly what is entered, then finishes", async () => {
    const fake = new FakeBackend();
    fake.setup = { wallet: null, configured: false };
    const s = new SetupModel(fake);
    await s.init();
    s.startImport();
    s.importText = "test test test test test test test test test test test junk";
    s.sharedTill = false;
    await s.next();
    s.storeName = "Corner Coffee";
    s.currency = "JPY";
    await s.next();
    expect(s.step).toBe("network");
    expect(s.networkId).toBe(PRESETS[0].id);
    s.pickNetwork("base");
    expect(s.rpcUrl).toBe("https://mainnet.base.org");
    expect(s.confirmations).toBe(10);
    await s.next();
    expect(s.errors.rpcUrl).toMatch(/Test the connection/);
    s.rpcUrl = "https://wrong.example";
    await s.testRpc();
    expect(s.rpcOk).toBe(false);
    s.rpcUrl = "https://base.example";
    await s.testRpc();
    expect(named(fake, "rpcTest").at(-1)).toEqual(["https://base.example", 8453]);
    expect(s.rpcOk).toBe(true);
    s.rpcUrl = "https://other.example";
    expect(s.rpcOk).toBe(false); // changed after the test
    s.rpcUrl = "https://base.example";
    await s.next();
    expect(s.step).toBe("pin");
    s.pin = "123456";
    s.pinRepeat = "12345";
    await s.next();
    expect(s.errors.pinRepeat).toMatch(/differ/);
    s.pinRepeat = "123456";
    await s.next();
    expect(s.step).toBe("review");
    const info = await s.finish();
    expect(info?.storeName).toBe("Corner Coffee");
    expect(named(fake, "setupFinish").at(-1)).toEqual([
      {
        storeName: "Corner Coffee",
        currency: "JPY",
        network: { preset: "base", rpcUrl: "https://base.example", confirmations: 10, chainId: null, name: null, nativeSymbol: null, nativeRate: null, test: null },
        pin: "123456",
      },
    ]);
  });

  it("starts at the store when a wallet already exists", async () => {
    const s = new SetupModel(new FakeBackend());
    await s.init();
    expect(s.step).toBe("store");
    expect(s.canGoBack).toBe(false);
  });

  it("sends a custom network's id, name and symbol, and goes back to the step at fault", async () => {
    const fake = new FakeBackend();
    fake.setupFinish = async () => {
      throw err("invalid_input", "name taken", "network.name");
    };
    const s = new SetupModel(fake);
    await s.init();
    s.storeName = "X";
    s.pickNetwork("custom");
    s.customChainId = 999;
    s.customName = "Mine";
    s.customSymbol = "abc";
    s.rpcUrl = "http://n";
    s.step = "network";
    await s.next();
    expect(s.errors.nativeRate).toMatch(/ABC|abc/);
    s.customRate = "12.5";
    s.customTest = false;
    s.step = "review";
    // chainId goes out as a JSON number.
    expect(s.request().network).toEqual({ preset: "custom", rpcUrl: "http://n", confirmations: 3, chainId: 999, name: "Mine", nativeSymbol: "ABC", nativeRate: "12.5", test: false });
    expect(await s.finish()).toBeNull();
    expect(s.step).toBe("network");
    expect(s.errors.name).toBe("name taken");
  });
});

describe("PinModel", () => {
  it("shows the engine's delay and blocks the submit meanwhile", async () => {
    vi.useFakeTimers();
    const pin = new PinModel(new FakeBackend());
    const stop = pin.start();
    pin.pin = "000000";
    expect(await pin.submit()).toBe(false);
    expect(pin.error).toBe("Wrong PIN.");
    expect(pin.waitSecs).toBe(5);
    pin.pin = "123456";
    expect(pin.canSubmit).toBe(false);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(pin.waitSecs).toBe(0);
    expect(await pin.submit()).toBe(true);
    stop();
    vi.useRealTimers();
  });
});

describe("SettingsModel", () => {
  it("switches an asset between a fixed rate and a Chainlink feed, one of them at a time", async () => {
    const fake = new FakeBackend();
    fake.unlocked = true;
    const m = new SettingsModel(fake);
    await m.load();
    const a = () => m.form!.networks[0].assets[0];
    m.setRateKind(0, 0, true);
    expect(a().fixedRate).toBeNull();
    expect(a().chainlinkFeed).toBe("");
    expect(a().heartbeatSecs).toBe(3600);
    m.setRateKind(0, 0, false);
    expect(a().chainlinkFeed).toBeNull();
    expect(a().heartbeatSecs).toBeNull();
    expect(a().fixedRate).toBe("");
  });
  it("says locked when the owner is not unlocked", async () => {
    expect(await new SettingsModel(new FakeBackend()).load()).toBe("locked");
  });
  it("puts the engine's error next to its field, and sends null for an untouched RPC", async () => {
    const fake = new FakeBackend();
    fake.unlocked = true;
    const m = new SettingsModel(fake);
    expect(await m.load()).toBe("ok");
    m.form!.expiryMinutes = 0;
    expect(await m.save()).toBe("failed");
    expect(m.errors.expiryMinutes).toMatch(/between 1 and 1440/);
    m.touch("expiryMinutes");
    expect(m.errors.expiryMinutes).toBeUndefined();
    m.form!.expiryMinutes = 20;
    m.form!.networks[1].rpcUrl = "  wss://new.example  ";
    expect(await m.save()).toBe("ok");
    const sent = named(fake, "settingsSave").at(-1)![0] as { networks: { rpcUrl: string | null }[]; expiryMinutes: number };
    expect(sent.expiryMinutes).toBe(20);
    expect(sent.networks.map((n) => n.rpcUrl)).toEqual([null, "wss://new.example"]);
    expect(m.saved).toBe(true);
  });
  it("refuses an emptied number field before sending", async () => {
    const fake = new FakeBackend();
    fake.unlocked = true;
    const m = new SettingsModel(fake);
    await m.load();
    (m.form as unknown as { lateGraceMinutes: null }).lateGraceMinutes = null;
    expect(await m.save()).toBe("failed");
    expect(m.errors.lateGraceMinutes).toBeTruthy();
    expect(named(fake, "settingsSave")).toHaveLength(0);
  });
});

describe("CustomerModel", () => {
  it("follows the current sale; it calls only current_sale and app_info", async () => {
    const fake = new FakeBackend();
    const c = new CustomerModel(fake);
    const stop = c.start();
    await flush();
    expect(c.view).toBeNull();
    expect(c.info?.storeName).toBe("Corner Coffee");
    fake.current = makeView("pending");
    fake.emit("current-sale-changed");
    await flush();
    expect(c.view?.session.status).toBe("pending");
    stop();
    expect(new Set(fake.calls.map(([n]) => n))).toEqual(new Set(["appInfo", "currentSale"]));
  });
});
