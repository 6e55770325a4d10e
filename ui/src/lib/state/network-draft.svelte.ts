// One network as the owner fills it in (the wizard, or settings' "Add a network"): a preset or a
// custom chain, its node, its confirmations, and the live test of that node.
import type { NetworkPreset, RpcCheck, SetupNetwork } from "../gen/ipc";
import { toIpcError, type Backend } from "../ipc";

/** The select's value for a network that is not a preset. */
export const CUSTOM = "custom";

/** The fields of a draft an error can name (the engine's `networks.<i>.<field>`, `network.<field>`). */
export const DRAFT_FIELDS = ["preset", "rpcUrl", "confirmations", "chainId", "name", "nativeSymbol", "nativeRate"] as const;

/** A field of a draft an error can name. */
export type DraftField = (typeof DRAFT_FIELDS)[number];

/** Whether `field` names a field of a draft. */
export function isDraftField(field: string): field is DraftField {
  return (DRAFT_FIELDS as readonly string[]).includes(field);
}

/** One network being chosen: everything `SetupNetwork` sends, the live test, the field errors. */
export class NetworkDraft {
  /** The presets to pick from (the draft looks its preset up here). */
  presets = $state.raw<NetworkPreset[]>([]);
  /** A preset id, `custom`, or "" before the presets arrive. */
  presetId = $state("");
  rpcUrl = $state("");
  confirmations = $state(3);
  customChainId = $state<number | null>(null);
  customName = $state("");
  customSymbol = $state("ETH");
  /** Fiat (the store's currency) per one native coin: a custom network has no rate feed. */
  customRate = $state("");
  customTest = $state(true);
  /** The last live test's answer. */
  rpcCheck = $state.raw<RpcCheck | null>(null);
  /** A live test is under way. */
  testing = $state(false);
  /** Errors by field (`rpcUrl`, `chainId`, …, see `DRAFT_FIELDS`). */
  errors = $state<Record<string, string>>({});
  /** The chain id and URL the shown check was made for. */
  private checkedFor = $state("");

  constructor(presets: NetworkPreset[] = [], presetId = "") {
    this.presets = presets;
    if (presetId) this.pick(presetId);
  }

  get preset(): NetworkPreset | null {
    return this.presets.find((p) => p.id === this.presetId) ?? null;
  }

  get isCustom(): boolean {
    return this.presetId === CUSTOM;
  }

  /** The chain this draft is for, or null while a custom chain id is missing. */
  get chainId(): number | null {
    return this.isCustom ? this.customChainId : this.preset ? this.preset.chainId : null;
  }

  /** What people call it: the preset's name, the custom name, or "Custom network". */
  get label(): string {
    return this.isCustom ? this.customName.trim() || "Custom network" : (this.preset?.name ?? "Network");
  }

  /** A test network (no real money). */
  get test(): boolean {
    return this.isCustom ? this.customTest : !!this.preset?.test;
  }

  /** The live test passed for exactly the URL and chain now entered. */
  get rpcOk(): boolean {
    return !!this.rpcCheck?.matches && this.checkedFor === this.checkKey();
  }

  /** Whether the node was tested for what is entered now: `ok`, `bad` (wrong chain), or `none`. */
  get tested(): "ok" | "bad" | "none" {
    if (!this.rpcCheck || this.checkedFor !== this.checkKey()) return "none";
    return this.rpcCheck.matches ? "ok" : "bad";
  }

  private checkKey() {
    return `${this.chainId}|${this.rpcUrl.trim()}`;
  }

  /** Chooses a preset (its suggested node and confirmations come with it) or `custom`. */
  pick(id: string): void {
    this.presetId = id;
    const p = this.preset;
    if (p) {
      this.rpcUrl = p.suggestedRpcUrl;
      this.confirmations = p.confirmations;
    }
    this.rpcCheck = null;
    this.clear("preset", "rpcUrl", "chainId");
  }

  /** Puts `message` next to `field`. */
  fail(field: DraftField, message: string): void {
    this.errors = { ...this.errors, [field]: message };
  }

  clear(...fields: string[]): void {
    if (!fields.some((f) => f in this.errors)) return;
    const next = { ...this.errors };
    for (const f of fields) delete next[f];
    this.errors = next;
  }

  /** The client-side checks, first problem only (it lands next to its field); `requireTest`:
   *  the node must have passed a live test of exactly what is entered. */
  check(currency: string, requireTest = true): boolean {
    this.errors = {};
    const problem = this.problem(currency, requireTest);
    if (problem) this.fail(...problem);
    return !problem;
  }

  private problem(currency: string, requireTest: boolean): [DraftField, string] | null {
    if (!this.isCustom && !this.preset) return ["preset", "Choose a network."];
    if (this.isCustom) {
      if (!this.customChainId || this.customChainId < 1) return ["chainId", "Enter the chain id."];
      if (!this.customName.trim()) return ["name", "Name the network."];
      if (!this.customSymbol.trim()) return ["nativeSymbol", "Enter the native coin's symbol."];
      if (!/^\d+(\.\d+)?$/.test(this.customRate.trim()) || !/[1-9]/.test(this.customRate)) {
        return ["nativeRate", `Enter what one ${this.customSymbol.trim() || "coin"} is worth in ${currency}.`];
      }
    }
    if (!Number.isInteger(this.confirmations) || this.confirmations < 1) return ["confirmations", "At least 1 confirmation."];
    if (!this.rpcUrl.trim()) return ["rpcUrl", "Enter the node's URL."];
    if (requireTest && !this.rpcOk) return ["rpcUrl", "Test the connection first: the node must answer with this network's chain id."];
    return null;
  }

  /** Asks the node (through the engine) which chain it is on; the answer shows under the URL. */
  async testRpc(backend: Backend): Promise<void> {
    if (this.testing) return;
    const chainId = this.chainId;
    this.clear("rpcUrl", "chainId");
    this.rpcCheck = null;
    if (!this.rpcUrl.trim()) return this.fail("rpcUrl", "Enter the node's URL.");
    if (!chainId || chainId < 1) return this.fail("chainId", "Enter the chain id.");
    const key = this.checkKey();
    this.testing = true;
    try {
      this.rpcCheck = await backend.rpcTest(this.rpcUrl.trim(), chainId);
      this.checkedFor = key;
    } catch (e) {
      this.fail("rpcUrl", toIpcError(e).message);
    } finally {
      this.testing = false;
    }
  }

  /** The draft as the engine takes it (custom fields only for a custom network). */
  toRequest(): SetupNetwork {
    const custom = this.isCustom;
    return {
      preset: this.presetId,
      rpcUrl: this.rpcUrl.trim(),
      confirmations: this.confirmations,
      chainId: custom && this.customChainId !== null ? this.customChainId : null,
      name: custom ? this.customName.trim() : null,
      nativeSymbol: custom ? this.customSymbol.trim().toUpperCase() : null,
      nativeRate: custom ? this.customRate.trim() : null,
      test: custom ? this.customTest : null,
    };
  }
}
