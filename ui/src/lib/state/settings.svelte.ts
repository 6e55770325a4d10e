// The owner's settings form: load, edit, save; each engine error lands next to its field.
import type { Settings } from "../gen/ipc";
import { toIpcError, type Backend } from "../ipc";

/** How a load or save went: `locked` when the owner PIN is needed again. */
export type LoadResult = "ok" | "locked" | "failed";

/** The settings form and its save. */
export class SettingsModel {
  /** The form being edited (a deep copy of what the engine sent). */
  form = $state<Settings | null>(null);
  /** What the engine last sent: the settings in effect (unsaved edits are in `form`). */
  current = $state.raw<Settings | null>(null);
  /** Errors by field name (`storeName`, `networks.0.rpcUrl`, …); "form" for the rest. */
  errors = $state<Record<string, string>>({});
  saving = $state(false);
  saved = $state(false);

  private readonly backend: Backend;

  constructor(backend: Backend) {
    this.backend = backend;
  }

  async load(): Promise<LoadResult> {
    try {
      this.current = await this.backend.settingsGet();
      this.form = this.editable(this.current);
      this.errors = {};
      return "ok";
    } catch (e) {
      const err = toIpcError(e);
      if (err.code === "locked") return "locked";
      this.errors = { form: err.message };
      return "failed";
    }
  }

  private editable(s: Settings): Settings {
    return { ...s, networks: s.networks.map((n) => ({ ...n, rpcUrl: null })) };
  }

  /** The engine added a network and sent `s`. Only the new networks enter the form: unsaved
   *  edits of the store, sales and the networks already there stay, to be saved as usual. */
  networksAdded(s: Settings): void {
    this.current = s;
    if (!this.form) {
      this.form = this.editable(s);
      return;
    }
    const have = new Set(this.form.networks.map((n) => n.id));
    this.form.networks.push(...this.editable(s).networks.filter((n) => !have.has(n.id)));
  }

  /** Stops watching network `id` (the engine refuses while one of its sales is open); unsaved
   *  edits of everything else stay in the form. */
  async removeNetwork(id: string): Promise<LoadResult> {
    try {
      const s = await this.backend.settingsRemoveNetwork(id);
      this.current = s;
      if (this.form) this.form.networks = this.form.networks.filter((n) => n.id !== id);
      this.errors = {};
      return "ok";
    } catch (e) {
      const err = toIpcError(e);
      if (err.code === "locked") return "locked";
      this.errors = { ...this.errors, [`remove.${id}`]: err.message };
      return "failed";
    }
  }

  /** Switches how asset `j` of network `i` is priced: a Chainlink feed or a fixed rate. */
  setRateKind(i: number, j: number, chainlink: boolean): void {
    const a = this.form?.networks[i]?.assets[j];
    if (!a) return;
    if (chainlink) {
      a.fixedRate = null;
      a.chainlinkFeed = a.chainlinkFeed ?? "";
      a.heartbeatSecs = a.heartbeatSecs ?? 3600;
    } else {
      a.chainlinkFeed = null;
      a.heartbeatSecs = null;
      a.fixedRate = a.fixedRate ?? "";
    }
    this.touch(`networks.${i}.assets.${j}.rate`);
  }

  touch(field: string): void {
    this.saved = false;
    if (this.errors[field] || this.errors.form) {
      const next = { ...this.errors };
      delete next[field];
      delete next.form;
      this.errors = next;
    }
  }

  /** The request: an empty new-RPC field keeps the current node. */
  request(): Settings | null {
    if (!this.form) return null;
    const s = $state.snapshot(this.form) as Settings;
    return {
      ...s,
      networks: s.networks.map((n) => ({ ...n, rpcUrl: n.rpcUrl && n.rpcUrl.trim() ? n.rpcUrl.trim() : null })),
    };
  }

  /** Saves; "locked" when the owner lock came back meanwhile. */
  async save(): Promise<LoadResult> {
    const req = this.request();
    if (!req || this.saving) return "failed";
    const bad = this.numberProblems(req);
    if (Object.keys(bad).length) {
      this.errors = bad;
      return "failed";
    }
    this.saving = true;
    this.saved = false;
    try {
      this.current = await this.backend.settingsSave(req);
      this.form = this.editable(this.current);
      this.errors = {};
      this.saved = true;
      return "ok";
    } catch (e) {
      const err = toIpcError(e);
      if (err.code === "locked") return "locked";
      this.errors = { [err.param ?? "form"]: err.message };
      return "failed";
    } finally {
      this.saving = false;
    }
  }

  /** An emptied number input reads as null: say so rather than send it. */
  private numberProblems(s: Settings): Record<string, string> {
    const out: Record<string, string> = {};
    const whole = (v: unknown) => typeof v === "number" && Number.isFinite(v);
    if (!whole(s.expiryMinutes)) out.expiryMinutes = "Enter a number of minutes.";
    if (!whole(s.lateGraceMinutes)) out.lateGraceMinutes = "Enter a number of minutes.";
    s.networks.forEach((n, i) => {
      if (!whole(n.confirmations)) out[`networks.${i}.confirmations`] = "Enter a number of confirmations.";
    });
    return out;
  }
}
