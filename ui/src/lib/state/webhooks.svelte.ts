// Webhook endpoints: add (secret shown once), send a test, the delivery log, rotate (new secret
// once), disable/enable, remove. A secret lives here only until the owner closes it.
import type { Attempt, Endpoint, NewSecret } from "../gen/ipc";
import { shown, type OwnerCalls, type Result } from "./owner";

/** A secret on screen now, and never again. */
export type ShownSecret = { endpoint: string; secret: string; rotated: boolean };

/** An endpoint without the secret the engine answered with. */
function endpointOf(n: NewSecret): Endpoint {
  const { secret: _secret, ...endpoint } = n;
  return endpoint;
}

export class WebhooksModel {
  endpoints = $state.raw<Endpoint[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);

  // the add form
  name = $state("");
  url = $state("");
  allEvents = $state(true);
  events = $state<string[]>([]);
  adding = $state(false);
  /** Errors by field (`name`, `url`, `events`), "form" for the rest. */
  formErrors = $state<Record<string, string>>({});

  secret = $state<ShownSecret | null>(null);

  /** The endpoint an action is running on. */
  busy = $state<string | null>(null);
  /** The last test result per endpoint. */
  tests = $state.raw<Record<string, Attempt | { error: string }>>({});
  /** The endpoint whose delivery log is open, and its attempts. */
  logFor = $state<string | null>(null);
  log = $state.raw<Attempt[]>([]);
  logLoading = $state(false);
  /** An endpoint waiting for the owner to confirm its removal. */
  confirmRemove = $state<Endpoint | null>(null);
  notice = $state<{ text: string; ok: boolean } | null>(null);

  private readonly owner: OwnerCalls;

  constructor(owner: OwnerCalls) {
    this.owner = owner;
  }

  async load(): Promise<void> {
    const r = await this.owner.run((b) => b.webhooksList());
    this.loaded = true;
    if (r.ok) {
      this.endpoints = r.value;
      this.error = null;
    } else {
      this.error = shown(r.error);
    }
    if (this.logFor) await this.loadLog(this.logFor);
  }

  toggleEvent(kind: string, on: boolean): void {
    this.events = on ? [...new Set([...this.events, kind])] : this.events.filter((e) => e !== kind);
    this.touch("events");
  }

  touch(field: string): void {
    if (this.formErrors[field] || this.formErrors.form) {
      const next = { ...this.formErrors };
      delete next[field];
      delete next.form;
      this.formErrors = next;
    }
  }

  async add(): Promise<boolean> {
    if (this.adding) return false;
    const errors: Record<string, string> = {};
    if (!this.url.trim()) errors.url = "Enter the URL events are sent to.";
    if (!this.allEvents && this.events.length === 0) errors.events = "Choose at least one event, or all events.";
    if (Object.keys(errors).length) {
      this.formErrors = errors;
      return false;
    }
    this.adding = true;
    const name = this.name.trim();
    const url = this.url.trim();
    const events = this.allEvents ? null : [...this.events];
    const r = await this.owner.run((b) => b.webhooksAdd(name, url, events));
    this.adding = false;
    if (!r.ok) {
      const m = shown(r.error);
      if (m) this.formErrors = { [r.error.param && ["name", "url", "events"].includes(r.error.param) ? r.error.param : "form"]: m };
      return false;
    }
    this.secret = { endpoint: r.value.name || r.value.url, secret: r.value.secret, rotated: false };
    this.endpoints = [endpointOf(r.value), ...this.endpoints.filter((e) => e.id !== r.value.id)];
    this.name = this.url = "";
    this.allEvents = true;
    this.events = [];
    this.formErrors = {};
    return true;
  }

  /** The owner closed the secret: it is gone from the window. */
  dismissSecret(): void {
    this.secret = null;
  }

  private replace(e: Endpoint): void {
    this.endpoints = this.endpoints.map((x) => (x.id === e.id ? e : x));
  }

  private async act<T>(id: string, f: () => Promise<Result<T>>): Promise<T | null> {
    if (this.busy) return null;
    this.busy = id;
    this.notice = null;
    const r = await f();
    this.busy = null;
    if (r.ok) return r.value;
    const m = shown(r.error);
    if (m) this.notice = { text: m, ok: false };
    return null;
  }

  async sendTest(id: string): Promise<void> {
    if (this.busy) return;
    this.busy = id;
    const r = await this.owner.run((b) => b.webhooksTest(id));
    this.busy = null;
    if (r.ok) this.tests = { ...this.tests, [id]: r.value };
    else if (r.error.code !== "locked") this.tests = { ...this.tests, [id]: { error: r.error.message } };
    if (this.logFor === id) await this.loadLog(id);
  }

  async rotate(id: string): Promise<void> {
    const n = await this.act(id, () => this.owner.run((b) => b.webhooksRotate(id)));
    if (!n) return;
    this.secret = { endpoint: n.name || n.url, secret: n.secret, rotated: true };
    this.replace(endpointOf(n));
  }

  async setEnabled(id: string, enabled: boolean): Promise<void> {
    const e = await this.act(id, () => this.owner.run((b) => b.webhooksSetEnabled(id, enabled)));
    if (e) this.replace(e);
  }

  async remove(id: string): Promise<void> {
    this.confirmRemove = null;
    const e = await this.act(id, () => this.owner.run((b) => b.webhooksRemove(id)));
    if (!e) return;
    this.endpoints = this.endpoints.filter((x) => x.id !== id);
    if (this.logFor === id) this.logFor = null;
    this.notice = { text: `Removed ${e.name || e.url}.`, ok: true };
  }

  async toggleLog(id: string): Promise<void> {
    if (this.logFor === id) {
      this.logFor = null;
      this.log = [];
      return;
    }
    this.logFor = id;
    this.log = [];
    await this.loadLog(id);
  }

  private async loadLog(id: string): Promise<void> {
    this.logLoading = true;
    const r = await this.owner.run((b) => b.webhooksAttempts(id));
    this.logLoading = false;
    if (this.logFor !== id) return;
    if (r.ok) this.log = r.value;
    else if (r.error.code !== "locked") this.notice = { text: r.error.message, ok: false };
  }
}
