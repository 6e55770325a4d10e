// The first-run wizard: wallet (create or import), store, networks, PIN, review.
import type { AppInfo, NetworkPreset, NewPhrase, SetupRequest, SetupState, WalletInfo } from "../gen/ipc";
import { toIpcError, type Backend, type IpcError } from "../ipc";
import { phraseWords, pinProblem } from "../format";
import { CUSTOM, NetworkDraft, isDraftField } from "./network-draft.svelte";

export { CUSTOM };

/** A wizard step. */
export type Step = "welcome" | "words" | "confirm" | "import" | "store" | "network" | "pin" | "review";

/** The progress indicator's stages and the steps inside each. */
export const STAGES: { label: string; steps: Step[] }[] = [
  { label: "Wallet", steps: ["welcome", "words", "confirm", "import"] },
  { label: "Store", steps: ["store"] },
  { label: "Networks", steps: ["network"] },
  { label: "PIN", steps: ["pin"] },
  { label: "Review", steps: ["review"] },
];

/** The currencies the store step offers. */
export const CURRENCIES = [
  "USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF",
  "SGD", "HKD", "CNY", "KRW", "INR", "BRL", "MXN", "ZAR", "AED", "SAR", "BHD", "KWD", "TRY", "ILS", "THB",
];

/** The most networks the wizard sends (the engine's `MAX_SETUP_NETWORKS`). */
export const MAX_NETWORKS = 8;

/** The wizard's state and steps; each network is a `NetworkDraft`. */
export class SetupModel {
  step = $state<Step>("welcome");
  busy = $state(false);
  /** Errors by field: "phrase", "word-3", "storeName", "pin", … and "form" (a network's own
   *  errors are on its draft). */
  errors = $state<Record<string, string>>({});

  /** A wallet that already exists (CLI import, or an earlier run of the wizard). */
  existing = $state.raw<WalletInfo | null>(null);
  wallet = $state.raw<WalletInfo | null>(null);
  mode = $state<"create" | "import">("create");

  phrase = $state.raw<NewPhrase | null>(null);
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
  /** The networks chosen, in order (one to `MAX_NETWORKS`). */
  networks = $state<NetworkDraft[]>([new NetworkDraft()]);
  /** The index in `networks` of the one the form shows. */
  current = $state(0);

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
      for (const d of this.networks) {
        d.presets = presets;
        if (presets.length > 0 && !d.presetId) d.pick(this.freePreset() ?? presets[0].id);
      }
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

  /** The network the form shows. */
  get draft(): NetworkDraft {
    return this.networks[this.current] ?? this.networks[0];
  }

  /** Preset ids other networks than `i` already use (a preset is chosen once). */
  takenBy(i: number): string[] {
    return this.networks.filter((d, j) => j !== i && d.presetId && d.presetId !== CUSTOM).map((d) => d.presetId);
  }

  /** The first preset no network uses yet, of the first network's kind (live or test) when
   *  one is left. */
  private freePreset(): string | null {
    const taken = new Set(this.networks.map((d) => d.presetId));
    const free = this.presets.filter((p) => !taken.has(p.id));
    const first = this.networks[0];
    const kind = first?.presetId ? first.test : null;
    return (free.find((p) => kind === null || p.test === kind) ?? free[0])?.id ?? null;
  }

  get canAddNetwork(): boolean {
    return this.networks.length < MAX_NETWORKS;
  }

  /** "+ Add another network": once the network being edited passes its checks and its live
   *  test, a new one starts with a preset not chosen yet. */
  addNetwork(): boolean {
    this.clear();
    if (!this.canAddNetwork || !this.checkDraft(this.current)) return false;
    this.networks.push(new NetworkDraft(this.presets, this.freePreset() ?? CUSTOM));
    this.current = this.networks.length - 1;
    return true;
  }

  /** Drops network `i` (never the last one left). */
  removeNetwork(i: number): void {
    if (this.networks.length < 2 || i < 0 || i >= this.networks.length) return;
    this.clear();
    this.networks.splice(i, 1);
    if (this.current > i || this.current >= this.networks.length) this.current = Math.max(0, this.current - 1);
  }

  /** Shows network `i` in the form. */
  edit(i: number): void {
    if (i >= 0 && i < this.networks.length) this.current = i;
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

  /** The live test of the network being edited. */
  testRpc(): Promise<void> {
    this.clear();
    return this.draft.testRpc(this.backend);
  }

  /** Network `i` passes its own checks (and its live test) and uses a chain no other network
   *  uses (`earlierOnly`: no earlier one, so a pair is blamed on its second); otherwise the form
   *  shows it with its error. */
  private checkDraft(i: number, earlierOnly = false): boolean {
    const d = this.networks[i];
    let ok = d.check(this.currency);
    const other = this.networks.findIndex((o, j) => j !== i && (!earlierOnly || j < i) && o.chainId !== null && o.chainId === d.chainId);
    if (ok && other >= 0) {
      d.fail(d.isCustom ? "chainId" : "preset", `Same chain as network ${other + 1} (${this.networks[other].label}): choose each once.`);
      ok = false;
    }
    if (!ok) this.current = i;
    return ok;
  }

  private checkNetwork() {
    for (let i = 0; i < this.networks.length; i++) if (!this.checkDraft(i, true)) return;
    this.step = "pin";
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
      networks: this.networks.map((d) => d.toRequest()),
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
        this.refused(toIpcError(e));
      }
    });
    return info;
  }

  /** Takes the owner to the step (and the network) with the field the engine refused. */
  private refused(err: IpcError) {
    const p = err.param ?? "";
    const at = /^networks\.(\d+)\.(\w+)$/.exec(p);
    const i = at ? Number(at[1]) : -1;
    if (at && i < this.networks.length && isDraftField(at[2])) {
      this.networks[i].fail(at[2], err.message);
      this.current = i;
      this.step = "network";
      return;
    }
    if (p === "networks" || p.startsWith("networks.")) {
      this.errors = { form: err.message };
      this.step = "network";
      return;
    }
    this.errors = { [p || "form"]: err.message };
    if (p === "storeName" || p === "currency") this.step = "store";
    else if (p === "pin") this.step = "pin";
  }
}
