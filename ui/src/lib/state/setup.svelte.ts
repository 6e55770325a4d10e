// The first-run wizard: wallet (create or import), store, network, PIN, review.
import type { AppInfo, NetworkPreset, NewPhrase, RpcCheck, SetupRequest, SetupState, WalletInfo } from "../gen/ipc";
import { toIpcError, type Backend, type IpcError } from "../ipc";
import { phraseWords, pinProblem } from "../format";

export type Step = "welcome" | "words" | "confirm" | "import" | "store" | "network" | "pin" | "review";

/** The progress indicator's stages and the steps inside each. */
export const STAGES: { label: string; steps: Step[] }[] = [
  { label: "Wallet", steps: ["welcome", "words", "confirm", "import"] },
  { label: "Store", steps: ["store"] },
  { label: "Network", steps: ["network"] },
  { label: "PIN", steps: ["pin"] },
  { label: "Review", steps: ["review"] },
];

export const CURRENCIES = [
  "USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF",
  "SGD", "HKD", "CNY", "KRW", "INR", "BRL", "MXN", "ZAR", "AED", "SAR", "BHD", "KWD", "TRY", "ILS", "THB",
];

export const CUSTOM = "custom";

export class SetupModel {
  step = $state<Step>("welcome");
  busy = $state(false);
  /** Errors by field: "phrase", "word-3", "rpcUrl", "storeName", "pin", … and "form". */
  errors = $state<Record<string, string>>({});

  /** A wallet that already exists (CLI import, or an earlier run of the wizard). */
  existing = $state.raw<WalletInfo | null>(null);
  wallet = $state.raw<WalletInfo | null>(null);
  mode = $state<"create" | "import">("create");

  phrase = $state.raw<NewPhrase | null>(null);
  copied = $state(false);
  answers = $state<Record<number, string>>({});
  importText = $state("");
  passphrase = $state("");
  /** "Is this wallet already used on another till?" — null until answered. */
  sharedTill = $state<boolean | null>(null);
  /** Which till this is when the wallet is shared (2 = the second till → account 1). */
  tillNumber = $state(2);

  storeName = $state("");
  currency = $state("USD");

  presets = $state.raw<NetworkPreset[]>([]);
  networkId = $state("");
  rpcUrl = $state("");
  rpcCheck = $state.raw<RpcCheck | null>(null);
  /** The URL and chain id the shown check was made for. */
  private checkedFor = "";
  confirmations = $state(3);
  customChainId = $state<number | null>(null);
  customName = $state("");
  customSymbol = $state("ETH");
  /** Fiat (the store's currency) per one native coin: a custom network has no rate feed. */
  customRate = $state("");
  customTest = $state(true);

  pin = $state("");
  pinRepeat = $state("");

  private readonly backend: Backend;

  constructor(backend: Backend) {
    this.backend = backend;
  }

  async init(): Promise<void> {
    try {
      const [state, presets] = await Promise.all([this.backend.setupState(), this.backend.setupPresets()]);
      this.presets = presets;
      this.applyState(state);
      if (presets.length > 0 && !this.networkId) this.pickNetwork(presets[0].id);
    } catch (e) {
      this.fail(e);
    }
  }

  private applyState(state: SetupState) {
    if (state.wallet) {
      this.existing = state.wallet;
      this.wallet = state.wallet;
      if (this.step === "welcome") this.step = "store";
    }
  }

  get stageIndex(): number {
    return STAGES.findIndex((s) => s.steps.includes(this.step));
  }

  /** The BIP44 account of this till: 0 for the first till, n − 1 for till n. */
  get account(): number {
    return this.sharedTill ? Math.max(1, Math.floor(this.tillNumber) - 1) : 0;
  }

  get preset(): NetworkPreset | null {
    return this.presets.find((p) => p.id === this.networkId) ?? null;
  }

  get isCustom(): boolean {
    return this.networkId === CUSTOM;
  }

  get chainId(): number | null {
    return this.isCustom ? this.customChainId : this.preset ? this.preset.chainId : null;
  }

  /** The live test passed for exactly the URL and chain now entered. */
  get rpcOk(): boolean {
    return !!this.rpcCheck?.matches && this.checkedFor === this.checkKey();
  }

  private checkKey() {
    return `${this.chainId}|${this.rpcUrl.trim()}`;
  }

  pickNetwork(id: string): void {
    this.networkId = id;
    const p = this.preset;
    if (p) {
      this.rpcUrl = p.suggestedRpcUrl;
      this.confirmations = p.confirmations;
    }
    this.rpcCheck = null;
    this.clear("rpcUrl", "chainId");
  }

  private fail(e: unknown, fallbackParam = "form"): IpcError {
    const err = toIpcError(e);
    this.errors = { ...this.errors, [err.param ?? fallbackParam]: err.message };
    return err;
  }

  clear(...keys: string[]): void {
    const next = { ...this.errors };
    for (const k of keys) delete next[k];
    delete next.form;
    this.errors = next;
  }

  private async run(f: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await f();
    } finally {
      this.busy = false;
    }
  }

  /** Welcome → create: the engine makes a phrase and keeps it until confirmed. */
  create(): Promise<void> {
    return this.run(async () => {
      this.errors = {};
      try {
        this.phrase = await this.backend.walletGenerate();
        this.mode = "create";
        this.answers = {};
        this.copied = false;
        this.step = "words";
      } catch (e) {
        this.fail(e);
      }
    });
  }

  startImport(): void {
    this.errors = {};
    this.mode = "import";
    this.step = "import";
  }

  back(): void {
    this.errors = {};
    const order: Record<Step, Step | null> = {
      welcome: null,
      words: "welcome",
      confirm: "words",
      import: "welcome",
      store: this.existing ? null : this.mode === "create" ? "confirm" : "import",
      network: "store",
      pin: "network",
      review: "pin",
    };
    const prev = order[this.step];
    if (prev) this.step = prev;
  }

  get canGoBack(): boolean {
    return !(this.step === "welcome" || (this.step === "store" && (this.existing || this.wallet)));
  }

  /** The step's continue button. */
  next(): Promise<void> {
    return this.run(async () => {
      this.clear();
      switch (this.step) {
        case "words":
          this.step = "confirm";
          return;
        case "confirm":
          return this.confirmWords();
        case "import":
          return this.importPhrase();
        case "store":
          return this.checkStore();
        case "network":
          return this.checkNetwork();
        case "pin":
          return this.checkPin();
        default:
          return;
      }
    });
  }

  private tillAnswered(): boolean {
    if (this.sharedTill === null) {
      this.errors = { ...this.errors, till: "Answer this question: each till needs its own addresses." };
      return false;
    }
    if (this.sharedTill && !(Number.isInteger(this.tillNumber) && this.tillNumber >= 2)) {
      this.errors = { ...this.errors, till: "The first till is number 1; this one is 2 or more." };
      return false;
    }
    return true;
  }

  private async confirmWords() {
    const want = this.phrase?.confirm ?? [];
    const missing = want.filter((i) => !(this.answers[i] ?? "").trim());
    if (missing.length) {
      this.errors = Object.fromEntries(missing.map((i) => [`word-${i}`, `Type word ${i}`]));
    }
    if (!this.tillAnswered() || missing.length) return;
    try {
      this.wallet = await this.backend.walletConfirm(
        want.map((index) => ({ index, word: (this.answers[index] ?? "").trim().toLowerCase() })),
        this.account,
      );
      this.phrase = null; // shown once: forget it here too
      this.answers = {};
      this.step = "store";
    } catch (e) {
      this.fail(e);
    }
  }

  private async importPhrase() {
    const words = phraseWords(this.importText);
    if (words.length === 0) this.errors = { ...this.errors, phrase: "Type or paste the recovery phrase." };
    if (!this.tillAnswered() || words.length === 0) return;
    try {
      this.wallet = await this.backend.walletImport(words.join(" "), this.passphrase, this.account);
      this.importText = "";
      this.passphrase = "";
      this.step = "store";
    } catch (e) {
      this.fail(e, "phrase");
    }
  }

  private checkStore() {
    const name = this.storeName.trim();
    if (!name) this.errors = { storeName: "Name the store: customers see it." };
    else if (!/^[A-Z]{3}$/.test(this.currency)) this.errors = { currency: "Pick a currency." };
    else this.step = "network";
  }

  async testRpc(): Promise<void> {
    const chainId = this.chainId;
    this.clear("rpcUrl", "chainId");
    this.rpcCheck = null;
    if (!this.rpcUrl.trim()) {
      this.errors = { ...this.errors, rpcUrl: "Enter the node's URL." };
      return;
    }
    if (!chainId || chainId < 1) {
      this.errors = { ...this.errors, chainId: "Enter the chain id." };
      return;
    }
    return this.run(async () => {
      const key = this.checkKey();
      try {
        this.rpcCheck = await this.backend.rpcTest(this.rpcUrl.trim(), chainId);
        this.checkedFor = key;
      } catch (e) {
        this.fail(e, "rpcUrl");
      }
    });
  }

  private checkNetwork() {
    if (this.isCustom) {
      if (!this.customChainId || this.customChainId < 1) {
        this.errors = { chainId: "Enter the chain id." };
        return;
      }
      if (!this.customName.trim()) {
        this.errors = { name: "Name the network." };
        return;
      }
      if (!this.customSymbol.trim()) {
        this.errors = { nativeSymbol: "Enter the native coin's symbol." };
        return;
      }
      if (!/^\d+(\.\d+)?$/.test(this.customRate.trim()) || !/[1-9]/.test(this.customRate)) {
        this.errors = { nativeRate: `Enter what one ${this.customSymbol.trim() || "coin"} is worth in ${this.currency}.` };
        return;
      }
    }
    if (!Number.isInteger(this.confirmations) || this.confirmations < 1) {
      this.errors = { confirmations: "At least 1 confirmation." };
      return;
    }
    if (!this.rpcOk) {
      this.errors = { rpcUrl: "Test the connection first: the node must answer with this network's chain id." };
      return;
    }
    this.step = "review" === this.step ? "review" : "pin";
  }

  get pinError(): string | null {
    return this.pin === "" ? null : pinProblem(this.pin, this.pinRepeat);
  }

  private checkPin() {
    const problem = pinProblem(this.pin, this.pinRepeat);
    if (problem) this.errors = { [problem.includes("differ") ? "pinRepeat" : "pin"]: problem };
    else this.step = "review";
  }

  request(): SetupRequest {
    return {
      storeName: this.storeName.trim(),
      currency: this.currency,
      network: {
        preset: this.networkId,
        rpcUrl: this.rpcUrl.trim(),
        confirmations: this.confirmations,
        chainId: this.isCustom && this.customChainId !== null ? this.customChainId : null,
        name: this.isCustom ? this.customName.trim() : null,
        nativeSymbol: this.isCustom ? this.customSymbol.trim().toUpperCase() : null,
        nativeRate: this.isCustom ? this.customRate.trim() : null,
        test: this.isCustom ? this.customTest : null,
      },
      pin: this.pin,
    };
  }

  /** Writes config and PIN; resolves to the shop's info (the cashier screen opens), or null. */
  async finish(): Promise<AppInfo | null> {
    let info: AppInfo | null = null;
    await this.run(async () => {
      this.errors = {};
      try {
        info = await this.backend.setupFinish(this.request());
        this.pin = "";
        this.pinRepeat = "";
      } catch (e) {
        const err = this.fail(e);
        // Take the owner to the step with the field at fault.
        const p = err.param ?? "";
        if (p === "storeName" || p === "currency") this.step = "store";
        else if (p.startsWith("network") || p === "rpcUrl" || p === "confirmations") this.step = "network";
        else if (p === "pin") this.step = "pin";
        if (p.startsWith("network.")) this.errors = { ...this.errors, [p.slice("network.".length)]: err.message };
      }
    });
    return info;
  }
}
