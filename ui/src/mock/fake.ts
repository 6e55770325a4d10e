// A Backend with fake data, for unit tests and the mock harness (never in the production bundle).
import type {
  About,
  ApiKey,
  AppInfo,
  Attempt,
  CreatedKey,
  Endpoint,
  NewSecret,
  SessionFilter,
  SimulatedAmount,
  UpdateOffer,
  ChainStatus,
  CheckoutSession,
  NetworkPreset,
  NewPhrase,
  RpcCheck,
  SaleSummary,
  SaleView,
  NetworkSettings,
  Settings,
  SetupNetwork,
  SetupRequest,
  SetupState,
  Status,
  WalletInfo,
  WordAnswer,
} from "../lib/gen/ipc";
import { type Backend, type IpcError, type Unlisten } from "../lib/ipc";
import { ENDPOINTS, KEYS, attemptsFor, detailOf, findPage, makeLedger, matches, totalsOf } from "./ledger";

export const err = (code: string, message: string, param: string | null = null, retryAfterSecs: number | null = null): IpcError => ({
  code,
  message,
  param,
  retryAfterSecs,
});

export const INFO: AppInfo = {
  storeName: "Corner Coffee",
  currency: "USD",
  minorUnits: 2,
  networks: [
    { id: "local", name: "Local devnet", test: true, confirmations: 3, assets: [{ symbol: "ETH", decimals: 18, native: true }, { symbol: "USDC", decimals: 6, native: false }] },
    { id: "base", name: "Base", test: false, confirmations: 3, assets: [{ symbol: "ETH", decimals: 18, native: true }, { symbol: "USDC", decimals: 6, native: false }] },
  ],
  version: "0.1.0",
  apiError: null,
  apiUrl: "http://127.0.0.1:8787",
  sound: true,
};

export const WALLET: WalletInfo = {
  xpub: "xpub6CUGRUonZSQ4TWtTMmzXdrXDtypWKiKrhko4egpiMZbpiaQL2jkwSB1icqYh2cfDfVxdx4df189oLKnC5fSwqPfgyP3hooxujYzAu3fDVmz",
  account: 0,
  addresses: [{ index: 0, address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" }],
  nextIndex: 1,
  keychain: { state: "present" },
};

export const CHAINS: ChainStatus[] = [
  { network: "local", chainId: 31337, connected: true, rpcUrl: "ws://127.0.0.1:8545", head: 1234, processed: 1234, lag: 0, error: null, updatedAt: "2026-11-01T12:00:00Z", caughtUpAt: "2026-11-01T12:00:00Z" },
  { network: "base", chainId: 8453, connected: true, rpcUrl: "https://mainnet.base.org", head: 22_451_907, processed: 22_451_907, lag: 0, error: null, updatedAt: "2026-11-01T12:00:00Z", caughtUpAt: "2026-11-01T12:00:00Z" },
];

export const PRESETS: NetworkPreset[] = [
  { id: "ethereum", name: "Ethereum", chainId: 1, test: false, nativeSymbol: "ETH", usdc: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", confirmations: 3, blockSeconds: 12, suggestedRpcUrl: "https://ethereum-rpc.publicnode.com" },
  { id: "base", name: "Base", chainId: 8453, test: false, nativeSymbol: "ETH", usdc: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", confirmations: 10, blockSeconds: 2, suggestedRpcUrl: "https://mainnet.base.org" },
  { id: "arbitrum", name: "Arbitrum One", chainId: 42161, test: false, nativeSymbol: "ETH", usdc: "0xaf88d065e77c8cC2239327C5EDb3A432268e5831", confirmations: 20, blockSeconds: 0.25, suggestedRpcUrl: "https://arb1.arbitrum.io/rpc" },
  { id: "optimism", name: "OP Mainnet", chainId: 10, test: false, nativeSymbol: "ETH", usdc: "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85", confirmations: 10, blockSeconds: 2, suggestedRpcUrl: "https://mainnet.optimism.io" },
  { id: "polygon", name: "Polygon PoS", chainId: 137, test: false, nativeSymbol: "POL", usdc: "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359", confirmations: 30, blockSeconds: 2, suggestedRpcUrl: "https://polygon-rpc.com" },
  { id: "sepolia", name: "Sepolia (test)", chainId: 11155111, test: true, nativeSymbol: "ETH", usdc: "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238", confirmations: 2, blockSeconds: 12, suggestedRpcUrl: "https://ethereum-sepolia-rpc.publicnode.com" },
  { id: "base-sepolia", name: "Base Sepolia (test)", chainId: 84532, test: true, nativeSymbol: "ETH", usdc: "0x036CbD53842c5426634e7929541eC2318f3dCF7e", confirmations: 2, blockSeconds: 2, suggestedRpcUrl: "https://sepolia.base.org" },
  { id: "local", name: "Local devnet", chainId: 31337, test: true, nativeSymbol: "ETH", usdc: null, confirmations: 3, blockSeconds: 1, suggestedRpcUrl: "ws://127.0.0.1:8545" },
];

export const WORDS =
  "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title".split(" ");

export const SETTINGS: Settings = {
  storeName: "Corner Coffee",
  currency: "USD",
  expiryMinutes: 15,
  lateGraceMinutes: 10,
  underpaidTolerancePercent: "0",
  apiBind: "127.0.0.1:8787",
  publicUrl: "http://127.0.0.1:8787",
  sound: true,
  networks: [
    {
      id: "local", name: "Local devnet", chainId: 31337, mode: "test", rpcShown: "ws://127.0.0.1", rpcUrl: null, confirmations: 3,
      assets: [
        { symbol: "ETH", contract: null, fixedRate: "3000.00", chainlinkFeed: null, heartbeatSecs: null },
        { symbol: "USDC", contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3", fixedRate: "1.00", chainlinkFeed: null, heartbeatSecs: null },
      ],
    },
    {
      id: "base", name: "Base", chainId: 8453, mode: "live", rpcShown: "https://base-mainnet.g.alchemy.com", rpcUrl: null, confirmations: 3,
      assets: [
        { symbol: "ETH", contract: null, fixedRate: null, chainlinkFeed: "0x71041dddad3595F9CEd3DcCFBe3D1F4b0a16Bb70", heartbeatSecs: 1200 },
        { symbol: "USDC", contract: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", fixedRate: "1.00", chainlinkFeed: null, heartbeatSecs: null },
      ],
    },
  ],
};

/** A QR-looking SVG (finder patterns + pseudo-random modules), like the engine's `qrSvg`. */
export function fakeQr(seed: string): string {
  const n = 41;
  let h = 2166136261;
  for (const c of seed) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  const rand = () => ((h = Math.imul(h ^ (h >>> 13), 1274126177) >>> 0) & 0xffff) / 0xffff;
  const finder = (x: number, y: number) => {
    for (const [fx, fy] of [[0, 0], [n - 7, 0], [0, n - 7]]) {
      const dx = x - fx, dy = y - fy;
      if (dx >= -1 && dx <= 7 && dy >= -1 && dy <= 7) {
        if (dx < 0 || dy < 0 || dx > 6 || dy > 6) return 0;
        const ring = Math.min(dx, dy, 6 - dx, 6 - dy);
        return ring === 1 ? 0 : 1;
      }
    }
    return -1;
  };
  let d = "";
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const f = finder(x, y);
      if (f === 1 || (f === -1 && (y === 6 ? x % 2 === 0 : x === 6 ? y % 2 === 0 : rand() > 0.5))) d += `M${x + 4} ${y + 4}h1v1h-1z`;
    }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n + 8} ${n + 8}" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d="${d}"/></svg>`;
}

const ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/** A session view in the given state, as the engine would send it. */
export function makeView(status: Status, o: { id?: string; now?: number; asset?: "ETH" | "USDC" } = {}): SaleView {
  const now = o.now ?? Date.now();
  const id = o.id ?? "cs_01JD3Q8Z6W7N5K2M4P9R0T1V3X";
  const usdc = o.asset === "USDC";
  const sym = usdc ? "USDC" : "ETH";
  const asset = usdc ? { symbol: "USDC", decimals: 6, contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" } : { symbol: "ETH", decimals: 18, contract: null };
  const amount = usdc ? { atomic: "12500000", value: "12.5" } : { atomic: "4167000000000000", value: "0.004167" };
  const zero = { atomic: "0", value: "0" };
  const part = usdc ? { atomic: "10000000", value: "10" } : { atomic: "3000000000000000", value: "0.003" };
  const rest = usdc ? { atomic: "2500000", value: "2.5" } : { atomic: "1167000000000000", value: "0.001167" };
  const over = usdc ? { atomic: "15000000", value: "15" } : { atomic: "5000000000000000", value: "0.005" };
  const overage = usdc ? { atomic: "2500000", value: "2.5" } : { atomic: "833000000000000", value: "0.000833" };
  const received: Record<Status, typeof amount> = {
    pending: zero, detected: zero, underpaid: part, paid: amount, overpaid: over, paid_late: amount, expired: zero, canceled: zero,
  };
  const confs: Record<Status, number> = { pending: 0, detected: 1, underpaid: 3, paid: 3, overpaid: 3, paid_late: 3, expired: 0, canceled: 0 };
  const rec = received[status];
  const due = status === "underpaid" ? rest : status === "pending" || status === "detected" || status === "expired" || status === "canceled" ? amount : zero;
  const payment = (amt: typeof amount, extra = false, a = asset) => ({
    txHash: "0x8f3c2a51e4b79d0c6a1f2e3d4c5b6a798a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d",
    logIndex: a.contract ? 0 : null,
    from: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    blockNumber: 1232,
    blockHash: "0x01",
    asset: a,
    amount: amt,
    confirmations: confs[status],
    seenAt: new Date(now - 60_000).toISOString(),
    blockTimestamp: new Date(now - 55_000).toISOString(),
    extra,
  });
  const payments = status === "detected" ? [payment(amount)] : rec.atomic !== "0" ? [payment(rec)] : [];
  const extras: SaleView["extras"] = [];
  if (status === "overpaid") {
    const usdcRef = { symbol: "USDC", decimals: 6, contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };
    payments.push(payment({ atomic: "5000000", value: "5" }, true, usdcRef));
    extras.push({ asset: usdcRef, amount: { atomic: "5000000", value: "5" } });
  }
  const open = status === "pending" || status === "detected" || status === "underpaid";
  const expires = status === "expired" || status === "canceled" ? now - 60_000 : now + 14 * 60_000 + 32_000;
  const session: CheckoutSession = {
    id,
    object: "checkout_session",
    status,
    livemode: false,
    checkoutUrl: `http://127.0.0.1:8787/checkout/${id}`,
    network: { id: "local", chainId: 31337, name: "Local devnet" },
    asset,
    address: ADDRESS,
    amount,
    amountReceived: rec,
    amountDue: due,
    fiat: { amount: "12.50", currency: "USD" },
    rate: usdc ? "1.00" : "3000.00",
    paymentUri: `ethereum:${ADDRESS}@31337?value=${due.atomic}`,
    confirmations: confs[status],
    requiredConfirmations: 3,
    payments,
    metadata: {},
    successUrl: null,
    expiresAt: new Date(expires).toISOString(),
    createdAt: new Date(now - 30_000).toISOString(),
    paidAt: status === "paid" || status === "overpaid" || status === "paid_late" ? new Date(now).toISOString() : null,
  };
  return {
    session,
    qrSvg: fakeQr(session.paymentUri + sym),
    open,
    paid: status === "paid" || status === "overpaid" || status === "paid_late",
    overage: status === "overpaid" ? overage : null,
    refundDue: status === "expired" && rec.atomic !== "0" ? rec : null,
    extras,
  };
}

export const RECENT: SaleSummary[] = (
  [
    ["paid", "4.20", "0.0014", "ETH"],
    ["underpaid", "18.00", "18", "USDC"],
    ["expired", "7.50", "0.0025", "ETH"],
    ["overpaid", "3.80", "3.8", "USDC"],
    ["canceled", "12.00", "0.004", "ETH"],
  ] as const
).map(([status, fiat, value, asset], i) => ({
  id: `cs_recent${i}`,
  status,
  fiat: { amount: fiat, currency: "USD" },
  amount: { atomic: "1", value },
  asset,
  createdAt: new Date(Date.now() - (i + 1) * 7 * 60_000).toISOString(),
  livemode: false,
  extras: status === "overpaid" ? 1 : 0,
}));

type Handlers = { [K in keyof Backend]?: Backend[K] };

/** Fake engine: every call is recorded; any method can be overridden. */
export class FakeBackend implements Backend {
  calls: [string, unknown[]][] = [];
  listeners: Record<string, Set<() => void>> = {};
  setup: SetupState = { wallet: WALLET, configured: true };
  current: SaleView | null = null;
  sessions = new Map<string, SaleView>();
  unlocked = false;
  settings: Settings = structuredClone(SETTINGS);
  info: AppInfo = structuredClone(INFO);
  chains: ChainStatus[] = CHAINS;
  /** The ledger the dashboard reads, newest first. */
  ledger: SaleView[] = [];
  endpoints: Endpoint[] = structuredClone(ENDPOINTS);
  keys: ApiKey[] = structuredClone(KEYS);
  /** What the save dialog answers: a file chosen (true) or closed (false). */
  saveDialogChooses = true;
  private seq = 0;

  constructor(over: Handlers = {}) {
    Object.assign(this, over);
  }

  emit(event: "sessions-changed" | "current-sale-changed"): void {
    for (const f of this.listeners[event] ?? []) f();
  }

  /** Puts `view` in the store (as the engine would after a payment). */
  put(view: SaleView): void {
    this.sessions.set(view.session.id, view);
    if (this.current?.session.id === view.session.id) this.current = view;
  }

  private rec(name: string, ...args: unknown[]) {
    this.calls.push([name, args]);
  }

  private listen(event: string, f: () => void): Promise<Unlisten> {
    (this.listeners[event] ??= new Set()).add(f);
    return Promise.resolve(() => this.listeners[event].delete(f));
  }

  async appInfo() { this.rec("appInfo"); return this.info; }
  async walletStatus() { this.rec("walletStatus"); return this.setup.wallet; }
  async chainStatus() { this.rec("chainStatus"); return this.chains; }
  async setupState() { this.rec("setupState"); return this.setup; }
  async setupPresets() { this.rec("setupPresets"); return PRESETS; }
  async walletGenerate(): Promise<NewPhrase> { this.rec("walletGenerate"); return { words: WORDS, confirm: [3, 11, 20] }; }
  async walletConfirm(answers: WordAnswer[], account: number) {
    this.rec("walletConfirm", answers, account);
    for (const a of answers) if (WORDS[a.index - 1] !== a.word) throw err("invalid_input", `word ${a.index} does not match the phrase`, `word-${a.index}`);
    return { ...WALLET, account };
  }
  async walletImport(phrase: string, passphrase: string, account: number) {
    this.rec("walletImport", phrase, passphrase, account);
    const words = phrase.split(" ");
    const bad = words.findIndex((w) => w.length < 3);
    if (bad >= 0) throw err("invalid_input", `word ${bad + 1} is not a BIP39 English word`, "phrase");
    return { ...WALLET, account };
  }
  async rpcTest(url: string, chainId: number): Promise<RpcCheck> {
    this.rec("rpcTest", url, chainId);
    if (url.includes("wrong")) return { chainId: 1, head: 21_000_000, matches: false, message: `the node is on chain 1, not ${chainId}` };
    return { chainId: chainId, head: 1234, matches: true, message: "ok" };
  }
  async setupFinish(req: SetupRequest) {
    this.rec("setupFinish", req);
    if (req.networks.length < 1 || req.networks.length > 8) throw err("invalid_input", "choose 1 to 8 networks", "networks");
    const bad = req.networks.findIndex((n) => n.rpcUrl.includes("wrong"));
    if (bad >= 0) throw err("invalid_input", "the node did not answer", `networks.${bad}.rpcUrl`);
    this.setup = { wallet: WALLET, configured: true };
    return { ...this.info, storeName: req.storeName, currency: req.currency };
  }
  async pinUnlock(pin: string) {
    this.rec("pinUnlock", pin);
    if (pin !== "123456") throw err("pin_wrong", "Wrong PIN.", null, 5);
    this.unlocked = true;
  }
  async lock() { this.rec("lock"); this.unlocked = false; }
  async ownerUnlocked() { this.rec("ownerUnlocked"); return this.unlocked; }
  async settingsGet() {
    this.rec("settingsGet");
    if (!this.unlocked) throw err("locked", "Enter the owner PIN.");
    return structuredClone(this.settings);
  }
  async settingsSave(s: Settings) {
    this.rec("settingsSave", s);
    if (!this.unlocked) throw err("locked", "Enter the owner PIN.");
    if (s.expiryMinutes < 1 || s.expiryMinutes > 1440) throw err("invalid_input", "expiry must be between 1 and 1440 minutes", "expiryMinutes");
    this.settings = { ...s, networks: s.networks.map((n) => ({ ...n, rpcUrl: null })) };
    this.info = { ...this.info, storeName: s.storeName, sound: s.sound };
    return structuredClone(this.settings);
  }
  /** As the engine: the till's only network stays; the rest are removed. */
  async settingsRemoveNetwork(id: string) {
    this.rec("settingsRemoveNetwork", id);
    if (!this.unlocked) throw err("locked", "Enter the owner PIN.");
    if (!this.settings.networks.some((n) => n.id === id)) throw err("invalid_input", `there is no network \`${id}\``, "network");
    if (this.settings.networks.length === 1) throw err("invalid_input", "this is the till's only network: add another before removing it", "network");
    this.settings = { ...this.settings, networks: this.settings.networks.filter((n) => n.id !== id) };
    this.info = { ...this.info, networks: this.info.networks.filter((n) => n.id !== id) };
    return structuredClone(this.settings);
  }
  /** As the engine: the preset or custom fields checked, one network per chain, the node "tested"
   *  (a URL with `wrong` in it fails), then the network appended. */
  async settingsAddNetwork(n: SetupNetwork) {
    this.rec("settingsAddNetwork", n);
    if (!this.unlocked) throw err("locked", "Enter the owner PIN.");
    const preset = PRESETS.find((p) => p.id === n.preset);
    if (!preset && n.preset !== "custom") throw err("invalid_input", `unknown network preset \`${n.preset}\``, "network.preset");
    const chainId = preset ? preset.chainId : (n.chainId ?? 0);
    if (chainId < 1) throw err("invalid_input", "a custom network needs its chain id", "network.chainId");
    const name = preset ? preset.name : (n.name ?? "").trim();
    if (!name) throw err("invalid_input", "a custom network needs a name of 1 to 60 characters", "network.name");
    const cur = this.settings.currency;
    if (preset && !preset.test && cur !== "USD") {
      throw err("invalid_input", `${name}'s Chainlink rates are in USD; a ${cur} shop needs a custom network with its own rate (or USD)`, "currency");
    }
    const same = this.settings.networks.find((c) => c.chainId === chainId);
    if (same) throw err("invalid_input", `this till already watches chain ${chainId} as ${same.name}`, "network.preset");
    if (n.rpcUrl.includes("wrong")) throw err("invalid_input", `the node is on chain 1, not ${chainId}`, "network.rpcUrl");
    let rpcShown = n.rpcUrl;
    try {
      const u = new URL(n.rpcUrl);
      rpcShown = `${u.protocol}//${u.hostname}`;
    } catch {
      throw err("invalid_input", "the URL must start with ws://, wss://, http:// or https://", "network.rpcUrl");
    }
    const feed = !!preset && !preset.test;
    const test = preset ? preset.test : n.test !== false;
    const symbol = preset ? preset.nativeSymbol : (n.nativeSymbol ?? "ETH").toUpperCase();
    const added: NetworkSettings = {
      id: preset ? preset.id : `chain-${chainId}`, name, chainId, mode: test ? "test" : "live", rpcShown, rpcUrl: null, confirmations: n.confirmations,
      assets: [
        { symbol, contract: null, fixedRate: feed ? null : (n.nativeRate ?? "3000.00"), chainlinkFeed: feed ? "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419" : null, heartbeatSecs: feed ? 3600 : null },
        ...(preset?.usdc ? [{ symbol: "USDC", contract: preset.usdc, fixedRate: "1.00", chainlinkFeed: null, heartbeatSecs: null }] : []),
      ],
    };
    this.settings = { ...this.settings, networks: [...this.settings.networks, added] };
    this.info = {
      ...this.info,
      networks: [...this.info.networks, { id: added.id, name, test, confirmations: n.confirmations, assets: added.assets.map((a) => ({ symbol: a.symbol, decimals: a.contract ? 6 : 18, native: !a.contract })) }],
    };
    this.chains = [...this.chains, { network: added.id, chainId, connected: true, rpcUrl: n.rpcUrl, head: 1234, processed: 1234, lag: 0, error: null, updatedAt: new Date().toISOString(), caughtUpAt: new Date().toISOString() }];
    return structuredClone(this.settings);
  }
  async createSession(amount: string, network: string, asset: string) {
    this.rec("createSession", amount, network, asset);
    const made = makeView("pending", { id: `cs_${++this.seq}`, asset: asset === "USDC" ? "USDC" : "ETH" });
    // The sale as asked for: its amount and network (the quote stays the sample's).
    const name = this.info.networks.find((n) => n.id === network)?.name ?? network;
    const v = { ...made, session: { ...made.session, fiat: { ...made.session.fiat, amount }, network: { ...made.session.network, id: network, name } } };
    this.sessions.set(v.session.id, v);
    return v;
  }
  async getSession(id: string) {
    this.rec("getSession", id);
    const v = this.sessions.get(id);
    if (!v) throw err("not_found", `no session ${id}`);
    return v;
  }
  async cancelSession(id: string) {
    this.rec("cancelSession", id);
    const v = this.sessions.get(id);
    if (!v) throw err("not_found", `no session ${id}`);
    if (v.session.status !== "pending") throw err("invalid_state", "a payment was seen; the sale can no longer be canceled");
    const c = { ...v, open: false, session: { ...v.session, status: "canceled" as const } };
    this.sessions.set(id, c);
    return c;
  }
  async recentSales(limit: number) { this.rec("recentSales", limit); return RECENT.slice(0, limit); }
  async setCurrentSale(id: string | null) {
    this.rec("setCurrentSale", id);
    this.current = id ? (this.sessions.get(id) ?? null) : null;
  }
  async currentSale() { this.rec("currentSale"); return this.current; }
  async openCustomerDisplay() { this.rec("openCustomerDisplay"); }
  /** Fills the ledger with `n` generated sessions. */
  withLedger(n: number, now: number = Date.now()): this {
    this.ledger = makeLedger(n, now);
    return this;
  }

  private owner(): void {
    if (!this.unlocked) throw err("locked", "Enter the owner PIN.");
  }
  private saleOf(id: string): SaleView {
    const v = this.ledger.find((x) => x.session.id === id) ?? this.sessions.get(id);
    if (!v) throw err("not_found", `no session ${id}`);
    return v;
  }
  private endpoint(id: string): Endpoint {
    const e = this.endpoints.find((x) => x.id === id);
    if (!e) throw err("not_found", `no webhook endpoint ${id}`);
    return e;
  }
  private newSecret(e: Endpoint): NewSecret {
    return { ...e, secret: `whsec_${btoa(String(++this.seq).padEnd(32, "k"))}` };
  }

  async ledgerFind(filter: SessionFilter, limit: number, startingAfter: string | null) {
    this.rec("ledgerFind", filter, limit, startingAfter);
    this.owner();
    return structuredClone(findPage(this.ledger, filter, limit, startingAfter));
  }
  async ledgerTotals(filter: SessionFilter) {
    this.rec("ledgerTotals", filter);
    this.owner();
    return totalsOf(this.ledger, filter);
  }
  async sessionDetail(id: string) {
    this.rec("sessionDetail", id);
    this.owner();
    return structuredClone(detailOf(this.saleOf(id)));
  }
  async exportCsv(filter: SessionFilter) {
    this.rec("exportCsv", filter);
    this.owner();
    return this.saveDialogChooses ? this.ledger.filter((v) => matches(v, filter)).length : null;
  }
  async openExplorer(sessionId: string, txHash: string) {
    this.rec("openExplorer", sessionId, txHash);
    this.owner();
    if (!detailOf(this.saleOf(sessionId)).explorer.some((l) => l.txHash === txHash)) throw err("invalid_input", "no explorer link for this payment", "txHash");
  }
  async simulatePayment(id: string, how: SimulatedAmount) {
    this.rec("simulatePayment", id, how);
    this.owner();
    const v = this.saleOf(id);
    if (v.session.livemode || !v.open) throw err("invalid_state", "only an open test session can be paid by the simulator");
    const status = how === "exact" ? "detected" : how === "short" ? "underpaid" : "overpaid";
    const next = makeView(status, { id, asset: v.session.asset.symbol === "USDC" ? "USDC" : "ETH" });
    next.session = { ...next.session, createdAt: v.session.createdAt, fiat: v.session.fiat, metadata: v.session.metadata, network: v.session.network, livemode: false };
    this.ledger = this.ledger.map((x) => (x.session.id === id ? next : x));
    this.emit("sessions-changed");
    return next.session.payments[0]?.txHash ?? "0x00";
  }
  async webhooksList() {
    this.rec("webhooksList");
    this.owner();
    return structuredClone(this.endpoints);
  }
  async webhooksAdd(name: string, url: string, events: string[] | null) {
    this.rec("webhooksAdd", name, url, events);
    this.owner();
    if (!/^https:\/\/|^http:\/\/(127\.|localhost|192\.168\.|10\.|[^/]+\.local)/.test(url)) {
      throw err("invalid_input", "plain http:// is only allowed to loopback, LAN addresses and .local names", "url");
    }
    const e: Endpoint = {
      id: `we_${String(++this.seq).padStart(26, "0")}`,
      object: "webhook_endpoint",
      name,
      url,
      events: events ?? ["*"],
      livemode: true,
      status: "enabled",
      disabledReason: null,
      previousSecretExpiresAt: null,
      createdAt: new Date().toISOString(),
    };
    this.endpoints = [e, ...this.endpoints];
    return this.newSecret(e);
  }
  async webhooksTest(id: string): Promise<Attempt> {
    this.rec("webhooksTest", id);
    this.owner();
    const e = this.endpoint(id);
    const ok = e.status === "enabled";
    return {
      id: `att_${++this.seq}`,
      eventId: `evt_test${this.seq}`,
      endpointId: id,
      attempt: 1,
      startedAt: new Date().toISOString(),
      durationMs: 84,
      httpStatus: ok ? 200 : 410,
      error: ok ? null : "HTTP 410 Gone",
      responseBody: ok ? '{"received":true}' : "gone",
      nextRetryAt: null,
    };
  }
  async webhooksAttempts(id: string) {
    this.rec("webhooksAttempts", id);
    this.owner();
    this.endpoint(id);
    return attemptsFor(id);
  }
  async webhooksRotate(id: string) {
    this.rec("webhooksRotate", id);
    this.owner();
    const e = { ...this.endpoint(id), previousSecretExpiresAt: new Date(Date.now() + 86_400_000).toISOString() };
    this.endpoints = this.endpoints.map((x) => (x.id === id ? e : x));
    return this.newSecret(e);
  }
  async webhooksSetEnabled(id: string, enabled: boolean) {
    this.rec("webhooksSetEnabled", id, enabled);
    this.owner();
    const e: Endpoint = { ...this.endpoint(id), status: enabled ? "enabled" : "disabled", disabledReason: enabled ? null : "disabled by the owner" };
    this.endpoints = this.endpoints.map((x) => (x.id === id ? e : x));
    return e;
  }
  async webhooksRemove(id: string) {
    this.rec("webhooksRemove", id);
    this.owner();
    const e = this.endpoint(id);
    this.endpoints = this.endpoints.filter((x) => x.id !== id);
    return e;
  }
  async eventsResend(eventId: string, endpoint: string | null) {
    this.rec("eventsResend", eventId, endpoint);
    this.owner();
    const ids = endpoint ? [endpoint] : this.endpoints.map((e) => e.id);
    return ids.map((endpointId) => ({
      id: `att_${++this.seq}`,
      eventId,
      endpointId,
      attempt: 1,
      startedAt: new Date().toISOString(),
      durationMs: 95,
      httpStatus: 200,
      error: null,
      responseBody: "ok",
      nextRetryAt: null,
    }));
  }
  async keysCreate(live: boolean, name: string | null, restricted: boolean): Promise<CreatedKey> {
    this.rec("keysCreate", live, name, restricted);
    this.owner();
    const secret = `ck_${live ? "live" : "test"}_${String(++this.seq).padStart(4, "0")}Xk9Qm2Lp7Rt4Vw8Yz1Bc5Df3Gh6Jn`;
    const key: ApiKey = { id: `key_${String(this.seq).padStart(26, "0")}`, name: name ?? "", mode: live ? "live" : "test", restricted, last4: secret.slice(-4), createdAt: new Date().toISOString(), revokedAt: null };
    this.keys = [key, ...this.keys];
    return { key, secret };
  }
  async keysList() {
    this.rec("keysList");
    this.owner();
    return structuredClone(this.keys);
  }
  async keysRevoke(id: string) {
    this.rec("keysRevoke", id);
    this.owner();
    const k = this.keys.find((x) => x.id === id);
    if (!k) throw err("not_found", `no key ${id}`);
    const r = { ...k, revokedAt: new Date().toISOString() };
    this.keys = this.keys.map((x) => (x.id === id ? r : x));
    return r;
  }

  async about(): Promise<About> {
    this.rec("about");
    this.owner();
    return { version: "0.1.0", databaseVersion: 10, dataDir: "/home/shop/.local/share/chaintill", logDir: "/home/shop/.local/state/chaintill" };
  }
  async diagnostics() {
    this.rec("diagnostics");
    this.owner();
    return "Chaintill 0.1.0\nDatabase version: 10\nOperating system: Debian GNU/Linux 12 (bookworm) (x86_64)\n";
  }
  async openLogFolder() {
    this.rec("openLogFolder");
    this.owner();
  }

  /** What the release feed announces (null: nothing newer). */
  release: UpdateOffer | null = null;
  private offered: UpdateOffer | null = null;
  async updateOffer() {
    this.rec("updateOffer");
    this.owner();
    return this.offered;
  }
  async updateCheck() {
    this.rec("updateCheck");
    this.owner();
    this.offered = this.release;
    return this.offered;
  }
  async updateInstall() {
    this.rec("updateInstall");
    this.owner();
    if (!this.offered) throw err("conflict", "no update is offered: check for updates first");
  }

  onSessionsChanged(f: () => void) { return this.listen("sessions-changed", f); }
  onCurrentSaleChanged(f: () => void) { return this.listen("current-sale-changed", f); }
}
