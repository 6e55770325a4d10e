// API keys: create (the key shown once), list, revoke.
import type { ApiKey } from "../gen/ipc";
import { shown, type OwnerCalls } from "./owner";

/** A key on screen now, and never again. */
export type ShownKey = { key: ApiKey; secret: string };

export class KeysModel {
  keys = $state.raw<ApiKey[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);

  live = $state(false);
  name = $state("");
  restricted = $state(false);
  creating = $state(false);
  formError = $state<string | null>(null);

  secret = $state<ShownKey | null>(null);
  confirmRevoke = $state<ApiKey | null>(null);
  busy = $state<string | null>(null);

  private readonly owner: OwnerCalls;

  constructor(owner: OwnerCalls) {
    this.owner = owner;
  }

  async load(): Promise<void> {
    const r = await this.owner.run((b) => b.keysList());
    this.loaded = true;
    if (r.ok) {
      this.keys = r.value;
      this.error = null;
    } else {
      this.error = shown(r.error);
    }
  }

  async create(): Promise<boolean> {
    if (this.creating) return false;
    this.creating = true;
    this.formError = null;
    const name = this.name.trim() || null;
    const r = await this.owner.run((b) => b.keysCreate(this.live, name, this.restricted));
    this.creating = false;
    if (!r.ok) {
      this.formError = shown(r.error);
      return false;
    }
    this.secret = { key: r.value.key, secret: r.value.secret };
    this.keys = [r.value.key, ...this.keys.filter((k) => k.id !== r.value.key.id)];
    this.name = "";
    this.restricted = false;
    return true;
  }

  /** The owner closed the key: it is gone from the window. */
  dismissSecret(): void {
    this.secret = null;
  }

  async revoke(id: string): Promise<void> {
    this.confirmRevoke = null;
    if (this.busy) return;
    this.busy = id;
    const r = await this.owner.run((b) => b.keysRevoke(id));
    this.busy = null;
    if (r.ok) this.keys = this.keys.map((k) => (k.id === id ? r.value : k));
    else this.error = shown(r.error);
  }
}
