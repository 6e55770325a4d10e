// The state classes against a fake engine: what they call, and what they show.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeBackend, INFO, PRESETS, WORDS, err, makeView } from "../../mock/fake";
import { AppModel } from "./app.svelte";
import { PinModel } from "./pin.svelte";
import { SaleModel, assetChoices } from "./sale.svelte";
import { SettingsModel } from "./settings.svelte";
import { MAX_NETWORKS, SetupModel } from "./setup.svelte";
import { NetworkDraft } from "./network-draft.svelte";
import { AddNetworkModel } from "./add-network.svelte";
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

  it("never charges blind: refused while the chosen network is down, allowed once it is back", async () => {
    sale.type("5", 2);
    sale.down = { reason: "Local devnet's node does not answer" };
    expect(sale.chargeable).toBe(false);
    await sale.charge(INFO);
    expect(fake.calls.filter(([n]) => n === "createSession")).toHaveLength(0);
    expect(sale.view).toBeNull();
    sale.down = null;
    expect(sale.chargeable).toBe(true);
    await sale.charge(INFO);
    expect(fake.calls.filter(([n]) => n === "createSession")).toHaveLength(1);
  });

  it("charges an expired sale again: the same amount, network and asset, as a new session", async () => {
    sale.choose("base:USDC");
    sale.type("7.50", 2);
    await sale.charge(INFO);
    const first = sale.view!;
    sale.choose("local:ETH");
    sale.view = { ...first, open: false, session: { ...first.session, status: "expired" } };
    await sale.chargeAgain(INFO);
    const created = fake.calls.filter(([n]) => n === "createSession").map(([, a]) => a);
    expect(created).toHaveLength(2);
    expect(created[1]).toEqual(created[0]);
    expect(sale.view!.session.id).not.toBe(first.session.id);
    expect(sale.choice(INFO)?.key).toBe("base:USDC");
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
    const d = s.draft;
    expect(s.networks).toHaveLength(1);
    expect(d.presetId).toBe(PRESETS[0].id);
    d.pick("base");
    expect(d.rpcUrl).toBe("https://mainnet.base.org");
    expect(d.confirmations).toBe(10);
    await s.next();
    expect(d.errors.rpcUrl).toMatch(/Test the connection/);
    d.rpcUrl = "https://wrong.example";
    await s.testRpc();
    expect(d.rpcOk).toBe(false);
    expect(d.tested).toBe("bad");
    d.rpcUrl = "https://base.example";
    await s.testRpc();
    expect(named(fake, "rpcTest").at(-1)).toEqual(["https://base.example", 8453]);
    expect(d.rpcOk).toBe(true);
    d.rpcUrl = "https://other.example";
    expect(d.rpcOk).toBe(false); // changed after the test
    expect(d.tested).toBe("none");
    d.rpcUrl = "https://base.example";
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
        networks: [{ preset: "base", rpcUrl: "https://base.example", confirmations: 10, chainId: null, name: null, nativeSymbol: null, nativeRate: null, test: null }],
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
      throw err("invalid_input", "name taken", "networks.0.name");
    };
    const s = new SetupModel(fake);
    await s.init();
    s.storeName = "X";
    const d = s.draft;
    d.pick("custom");
    d.customChainId = 999;
    d.customName = "Mine";
    d.customSymbol = "abc";
    d.rpcUrl = "http://n";
    s.step = "network";
    await s.next();
    expect(d.errors.nativeRate).toMatch(/ABC|abc/);
    d.customRate = "12.5";
    d.customTest = false;
    s.step = "review";
    // chainId goes out as a JSON number.
    expect(s.request().networks).toEqual([{ preset: "custom", rpcUrl: "http://n", confirmations: 3, chainId: 999, name: "Mine", nativeSymbol: "ABC", nativeRate: "12.5", test: false }]);
    expect(await s.finish()).toBeNull();
    expect(s.step).toBe("network");
    expect(d.errors.name).toBe("name taken");
  });
});

describe("NetworkDraft", () => {
  it("sends a preset with its custom fields null, and a custom network with them", () => {
    const d = new NetworkDraft(PRESETS, "base");
    expect(d.chainId).toBe(8453);
    expect(d.label).toBe("Base");
    expect(d.test).toBe(false);
    d.rpcUrl = "  wss://base.example  ";
    expect(d.toRequest()).toEqual({ preset: "base", rpcUrl: "wss://base.example", confirmations: 10, chainId: null, name: null, nativeSymbol: null, nativeRate: null, test: null });
    d.pick("custom");
    expect(d.label).toBe("Custom network");
    d.customChainId = 7;
    d.customName = " Mine ";
    d.customSymbol = "abc ";
    d.customRate = "2.5";
    expect(d.toRequest()).toEqual({ preset: "custom", rpcUrl: "wss://base.example", confirmations: 10, chainId: 7, name: "Mine", nativeSymbol: "ABC", nativeRate: "2.5", test: true });
  });

  it("checks field by field, the first problem next to its field", () => {
    const d = new NetworkDraft(PRESETS);
    expect(d.check("USD")).toBe(false);
    expect(d.errors).toEqual({ preset: "Choose a network." });
    d.pick("custom");
    const problems: [string, () => void][] = [
      ["chainId", () => (d.customChainId = 0)],
      ["name", () => (d.customChainId = 99)],
      ["nativeSymbol", () => ((d.customName = "Mine"), (d.customSymbol = " "))],
      ["nativeRate", () => ((d.customSymbol = "MNE"), (d.customRate = "0.00"))],
      ["nativeRate", () => (d.customRate = "abc")],
      ["confirmations", () => ((d.customRate = "1.5"), (d.confirmations = 0))],
      ["rpcUrl", () => ((d.confirmations = 2), (d.rpcUrl = " "))],
    ];
    for (const [field, set] of problems) {
      set();
      expect(d.check("EUR")).toBe(false);
      expect(Object.keys(d.errors)).toEqual([field]);
    }
    expect(d.errors.rpcUrl).toBe("Enter the node's URL.");
    d.customRate = "x";
    d.check("EUR");
    expect(d.errors.nativeRate).toBe("Enter what one MNE is worth in EUR.");
    d.customRate = "1.5";
    d.rpcUrl = "http://n";
    expect(d.check("EUR")).toBe(false);
    expect(d.errors.rpcUrl).toMatch(/Test the connection first/);
    expect(d.check("EUR", false)).toBe(true); // settings: the engine tests the node itself
    expect(d.errors).toEqual({});
  });

  it("tests the node for the chain entered; an edit after the test needs a new one", async () => {
    const fake = new FakeBackend();
    const d = new NetworkDraft(PRESETS, "local");
    d.rpcUrl = "";
    await d.testRpc(fake);
    expect(d.errors.rpcUrl).toBe("Enter the node's URL.");
    expect(named(fake, "rpcTest")).toHaveLength(0);
    d.rpcUrl = "ws://127.0.0.1:8545";
    d.clear("rpcUrl");
    expect(d.tested).toBe("none");
    await d.testRpc(fake);
    expect(named(fake, "rpcTest")).toEqual([["ws://127.0.0.1:8545", 31337]]);
    expect(d.rpcOk).toBe(true);
    expect(d.tested).toBe("ok");
    expect(d.check("USD")).toBe(true);
    d.confirmations = 5; // not part of the test
    expect(d.rpcOk).toBe(true);
    d.rpcUrl = "ws://127.0.0.1:9545";
    expect(d.rpcOk).toBe(false);
    d.rpcUrl = "ws://wrong:8545";
    await d.testRpc(fake);
    expect(d.tested).toBe("bad");
    d.pick("custom");
    d.rpcUrl = "ws://x";
    await d.testRpc(fake);
    expect(d.errors.chainId).toBe("Enter the chain id.");
  });
});

describe("SetupModel with several networks", () => {
  /** A wizard at the network step, its first network (Ethereum) tested. */
  async function atNetworks(fake = new FakeBackend()) {
    const s = new SetupModel(fake);
    await s.init();
    s.storeName = "Corner Coffee";
    await s.next();
    expect(s.step).toBe("network");
    await s.testRpc();
    return s;
  }

  it("adds a network once the one being edited is tested, preselecting a preset not chosen yet", async () => {
    const s = new SetupModel(new FakeBackend());
    await s.init();
    s.step = "network";
    expect(s.networks).toHaveLength(1);
    expect(s.draft.presetId).toBe("ethereum");
    expect(s.addNetwork()).toBe(false); // not tested yet
    expect(s.draft.errors.rpcUrl).toMatch(/Test the connection/);
    expect(s.networks).toHaveLength(1);
    await s.testRpc();
    expect(s.addNetwork()).toBe(true);
    expect(s.networks.map((d) => d.presetId)).toEqual(["ethereum", "base"]);
    expect(s.current).toBe(1);
    expect(s.draft.rpcUrl).toBe("https://mainnet.base.org");
    expect(s.takenBy(1)).toEqual(["ethereum"]);
    expect(s.takenBy(0)).toEqual(["base"]);
    // A test network first: the next one is a test network too.
    const t = new SetupModel(new FakeBackend());
    await t.init();
    t.draft.pick("local");
    await t.testRpc();
    t.addNetwork();
    expect(t.draft.presetId).toBe("sepolia");
  });

  it("removes a network (never the last), keeping the one being edited", async () => {
    const s = await atNetworks();
    s.addNetwork();
    await s.testRpc();
    s.addNetwork();
    expect(s.networks.map((d) => d.presetId)).toEqual(["ethereum", "base", "arbitrum"]);
    s.edit(2);
    s.removeNetwork(0);
    expect(s.networks.map((d) => d.presetId)).toEqual(["base", "arbitrum"]);
    expect(s.draft.presetId).toBe("arbitrum");
    s.removeNetwork(1);
    expect(s.current).toBe(0);
    expect(s.draft.presetId).toBe("base");
    s.removeNetwork(0);
    expect(s.networks).toHaveLength(1);
  });

  it("refuses the same chain twice and shows the second one", async () => {
    const s = await atNetworks();
    s.addNetwork();
    s.draft.pick("custom");
    s.draft.customChainId = 1;
    s.draft.customName = "My Ethereum";
    s.draft.customRate = "3000";
    s.draft.rpcUrl = "https://eth.example";
    await s.testRpc();
    s.edit(0);
    await s.next();
    expect(s.step).toBe("network");
    expect(s.current).toBe(1);
    expect(s.networks[1].errors.chainId).toBe("Same chain as network 1 (Ethereum): choose each once.");
    expect(s.networks[0].errors).toEqual({});
    // A preset chosen twice (the select disables it; the model refuses it too).
    s.networks[1].pick("ethereum");
    await s.testRpc();
    await s.next();
    expect(s.networks[1].errors.preset).toMatch(/Same chain as network 1/);
    s.networks[1].pick("base");
    await s.testRpc();
    await s.next();
    expect(s.step).toBe("pin");
  });

  it("Continue checks every network and goes to the first one not ready", async () => {
    const s = await atNetworks();
    s.addNetwork(); // Base, untested
    s.edit(0);
    await s.next();
    expect(s.step).toBe("network");
    expect(s.current).toBe(1);
    expect(s.networks[1].errors.rpcUrl).toMatch(/Test the connection/);
  });

  it("finishes with every network, and puts the engine's networks.1.rpcUrl on network 2", async () => {
    const fake = new FakeBackend();
    const s = await atNetworks(fake);
    s.addNetwork();
    s.draft.rpcUrl = "wss://base.example";
    await s.testRpc();
    await s.next();
    s.pin = s.pinRepeat = "123456";
    await s.next();
    expect(s.step).toBe("review");
    fake.setupFinish = async (req) => {
      fake.calls.push(["setupFinish", [req]]);
      throw err("invalid_input", "the node did not answer in 10 s", "networks.1.rpcUrl");
    };
    s.edit(0);
    expect(await s.finish()).toBeNull();
    const sent = named(fake, "setupFinish").at(-1)![0] as { networks: { preset: string; rpcUrl: string }[] };
    expect(sent.networks.map((n) => [n.preset, n.rpcUrl])).toEqual([["ethereum", "https://ethereum-rpc.publicnode.com"], ["base", "wss://base.example"]]);
    expect(s.step).toBe("network");
    expect(s.current).toBe(1);
    expect(s.networks[1].errors.rpcUrl).toBe("the node did not answer in 10 s");
    expect(s.errors).toEqual({});
  });

  it("shows an engine error about the list as the network step's form error", async () => {
    const fake = new FakeBackend();
    fake.setupFinish = async () => {
      throw err("invalid_input", "choose 1 to 8 networks", "networks");
    };
    const s = await atNetworks(fake);
    s.step = "review";
    await s.finish();
    expect(s.step).toBe("network");
    expect(s.errors.form).toBe("choose 1 to 8 networks");
  });

  it(`stops at ${MAX_NETWORKS} networks`, async () => {
    const s = await atNetworks();
    while (s.canAddNetwork) {
      await s.testRpc();
      expect(s.addNetwork()).toBe(true);
    }
    expect(s.networks).toHaveLength(MAX_NETWORKS);
    expect(new Set(s.networks.map((d) => d.presetId)).size).toBe(MAX_NETWORKS);
    await s.testRpc();
    expect(s.addNetwork()).toBe(false);
  });
});

describe("AddNetworkModel", () => {
  async function open(fake = new FakeBackend()) {
    fake.unlocked = true;
    const settings = new SettingsModel(fake);
    await settings.load();
    const add = new AddNetworkModel(fake, settings);
    await add.open();
    return { fake, settings, add };
  }

  it("offers only chains the till does not watch yet", async () => {
    const { add } = await open();
    const ids = add.draft!.presets.map((p) => p.id);
    expect(ids).not.toContain("local");
    expect(ids).not.toContain("base");
    expect(add.draft!.presetId).toBe("ethereum");
  });

  it("adds the network and merges it into the form, keeping unsaved edits", async () => {
    const { fake, settings, add } = await open();
    settings.form!.storeName = "Corner Coffee & Tea"; // not saved yet
    settings.form!.networks[0].confirmations = 7;
    add.draft!.pick("arbitrum");
    add.draft!.rpcUrl = "wss://arb.example";
    expect(await add.save()).toBe("ok");
    expect(named(fake, "settingsAddNetwork")).toEqual([[{ preset: "arbitrum", rpcUrl: "wss://arb.example", confirmations: 20, chainId: null, name: null, nativeSymbol: null, nativeRate: null, test: null }]]);
    expect(add.draft).toBeNull();
    expect(add.added).toBe("Arbitrum One");
    expect(settings.form!.storeName).toBe("Corner Coffee & Tea");
    expect(settings.form!.networks.map((n) => n.id)).toEqual(["local", "base", "arbitrum"]);
    expect(settings.form!.networks[0].confirmations).toBe(7);
    expect(settings.form!.networks[2].rpcUrl).toBeNull(); // "keep the node" in the form
    expect(settings.current!.networks).toHaveLength(3);
    // Opening again leaves out the chain just added.
    await add.open();
    expect(add.draft!.presets.map((p) => p.id)).not.toContain("arbitrum");
    expect(add.added).toBeNull();
  });

  it("puts the engine's network.rpcUrl next to the field; other params are the form's", async () => {
    const { add } = await open();
    add.draft!.rpcUrl = "https://wrong.example";
    expect(await add.save()).toBe("failed");
    expect(add.draft!.errors.rpcUrl).toBe("the node is on chain 1, not 1");
    expect(add.error).toBeNull();
    const eur = new FakeBackend();
    eur.settings = { ...eur.settings, currency: "EUR" };
    const { add: a2 } = await open(eur);
    expect(await a2.save()).toBe("failed");
    expect(a2.error).toMatch(/Chainlink rates are in USD/);
    expect(a2.draft).not.toBeNull();
  });

  it("refuses a custom chain the till already watches before asking the engine", async () => {
    const { fake, add } = await open();
    const d = add.draft!;
    d.pick("custom");
    d.customChainId = 8453;
    d.customName = "Base again";
    d.customRate = "3000";
    d.rpcUrl = "https://b.example";
    expect(await add.save()).toBe("failed");
    expect(d.errors.chainId).toBe("This till already watches chain 8453 as Base.");
    expect(named(fake, "settingsAddNetwork")).toHaveLength(0);
  });

  it("says locked when the owner lock came back, keeping the form", async () => {
    const { fake, add, settings } = await open();
    fake.unlocked = false;
    expect(await add.save()).toBe("locked");
    expect(add.draft).not.toBeNull();
    expect(settings.form!.networks).toHaveLength(2);
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
  it("removes a network without losing unsaved edits, and keeps the till's only network", async () => {
    const fake = new FakeBackend();
    fake.unlocked = true;
    const m = new SettingsModel(fake);
    await m.load();
    const [first, second] = m.form!.networks.map((n) => n.id);
    m.form!.storeName = "Unsaved name";
    expect(await m.removeNetwork(second)).toBe("ok");
    expect(named(fake, "settingsRemoveNetwork")).toEqual([[second]]);
    expect(m.form!.networks.map((n) => n.id)).toEqual([first]);
    expect(m.current!.networks.map((n) => n.id)).toEqual([first]);
    expect(m.form!.storeName).toBe("Unsaved name");
    expect(await m.removeNetwork(first)).toBe("failed");
    expect(m.errors[`remove.${first}`]).toMatch(/only network/);
    expect(m.form!.networks).toHaveLength(1);
    fake.unlocked = false;
    expect(await m.removeNetwork(first)).toBe("locked");
  });
});

describe("CustomerModel", () => {
  it("follows the current sale; it calls only current_sale, app_info and chain_status", async () => {
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
    expect(new Set(fake.calls.map(([n]) => n))).toEqual(new Set(["appInfo", "currentSale", "chainStatus"]));
  });
});
