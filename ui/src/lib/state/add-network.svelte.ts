// Settings' "Add a network": a draft for a chain the till does not watch yet, tested and added by
// the engine; the settings form then takes the new network.
import type { NetworkPreset } from "../gen/ipc";
import { toIpcError, type Backend } from "../ipc";
import { CUSTOM, NetworkDraft, isDraftField } from "./network-draft.svelte";
import type { LoadResult, SettingsModel } from "./settings.svelte";

/** The add-network form under the settings' networks: closed (`draft` null) or open. */
export class AddNetworkModel {
  /** The network being added; null while the form is closed. */
  draft = $state.raw<NetworkDraft | null>(null);
  saving = $state(false);
  /** A problem that is no field's (the store currency, the presets unreadable, …). */
  error = $state<string | null>(null);
  /** The name of the network just added ("Watching Base now."). */
  added = $state<string | null>(null);

  private presets: NetworkPreset[] | null = null;
  private readonly backend: Backend;
  private readonly settings: SettingsModel;

  constructor(backend: Backend, settings: SettingsModel) {
    this.backend = backend;
    this.settings = settings;
  }

  /** The till's currency as saved (what a custom network's rate is in). */
  get currency(): string {
    return this.settings.current?.currency ?? "USD";
  }

  /** Opens the form on the first preset whose chain the till does not watch yet. */
  async open(): Promise<void> {
    this.error = null;
    this.added = null;
    try {
      this.presets ??= await this.backend.setupPresets();
    } catch (e) {
      this.error = toIpcError(e).message;
      return;
    }
    const watched = new Set(this.settings.current?.networks.map((n) => n.chainId) ?? []);
    const free = this.presets.filter((p) => !watched.has(p.chainId));
    this.draft = new NetworkDraft(free, free[0]?.id ?? CUSTOM);
  }

  cancel(): void {
    this.draft = null;
    this.error = null;
  }

  /** A field was edited: the form-level message goes. */
  touch(): void {
    this.error = null;
  }

  testRpc(): Promise<void> {
    this.error = null;
    return this.draft ? this.draft.testRpc(this.backend) : Promise.resolve();
  }

  /** Sends the draft; the engine tests the node live, so a test first is not required. */
  async save(): Promise<LoadResult> {
    const d = this.draft;
    if (!d || this.saving) return "failed";
    this.error = null;
    if (!d.check(this.currency, false) || !this.newChain(d)) return "failed";
    this.saving = true;
    try {
      const s = await this.backend.settingsAddNetwork(d.toRequest());
      this.settings.networksAdded(s);
      this.added = s.networks.at(-1)?.name ?? d.label;
      this.draft = null;
      return "ok";
    } catch (e) {
      const err = toIpcError(e);
      if (err.code === "locked") return "locked";
      const field = err.param?.startsWith("network.") ? err.param.slice("network.".length) : "";
      if (isDraftField(field)) d.fail(field, err.message);
      else this.error = err.message;
      return "failed";
    } finally {
      this.saving = false;
    }
  }

  /** A custom chain id the till already watches is refused here (presets for those are not offered). */
  private newChain(d: NetworkDraft): boolean {
    const same = this.settings.current?.networks.find((n) => n.chainId === d.chainId);
    if (same) d.fail(d.isCustom ? "chainId" : "preset", `This till already watches chain ${d.chainId} as ${same.name}.`);
    return !same;
  }
}
