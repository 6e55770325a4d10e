// The owner's dashboard: which tab, its models, and keeping what is on screen fresh when the
// engine says something changed. Every call goes through OwnerCalls: `locked` asks for the PIN.
import type { Backend } from "../ipc";
import { throttle, type Timed } from "../timing";
import { DetailModel } from "./detail.svelte";
import { KeysModel } from "./keys.svelte";
import { OwnerCalls } from "./owner";
import { PaymentsModel } from "./payments.svelte";
import { TotalsModel } from "./totals.svelte";
import { WebhooksModel } from "./webhooks.svelte";

export type Tab = "payments" | "totals" | "webhooks" | "keys" | "settings";

export const TABS: { id: Tab; label: string }[] = [
  { id: "payments", label: "Payments" },
  { id: "totals", label: "Totals" },
  { id: "webhooks", label: "Webhooks" },
  { id: "keys", label: "API keys" },
  { id: "settings", label: "Settings" },
];

/** Engine change events refresh the open views at most this often. */
export const REFRESH_MS = 500;

export class DashboardModel {
  tab = $state<Tab>("payments");
  readonly owner: OwnerCalls;
  readonly payments: PaymentsModel;
  readonly detail: DetailModel;
  readonly totals: TotalsModel;
  readonly webhooks: WebhooksModel;
  readonly keys: KeysModel;
  private refreshSoon: Timed | null = null;

  constructor(backend: Backend, onLocked: () => void, now: () => number = Date.now) {
    this.owner = new OwnerCalls(backend, onLocked);
    this.payments = new PaymentsModel(this.owner);
    this.detail = new DetailModel(this.owner);
    this.totals = new TotalsModel(this.owner, now);
    this.webhooks = new WebhooksModel(this.owner);
    this.keys = new KeysModel(this.owner);
  }

  /** Loads the open tab and follows the engine's changes; returns the function that stops. */
  start(): () => void {
    void this.load();
    const refresh = throttle(() => void this.refresh(), REFRESH_MS);
    this.refreshSoon = refresh;
    const stop = this.owner.backend.onSessionsChanged(() => refresh());
    return () => {
      refresh.cancel();
      this.refreshSoon = null;
      this.payments.stop();
      // Leaving the dashboard (lock, PIN dialog dismissed): nothing of the owner's stays around.
      this.locked();
      void stop.then((f) => f());
    };
  }

  show(tab: Tab): void {
    if (tab === this.tab) return;
    // A once-only secret is gone as soon as the owner moves on.
    this.forgetSecrets();
    this.tab = tab;
    void this.load();
  }

  /** Loads what the open tab shows (also after the PIN was entered again). */
  async load(): Promise<void> {
    switch (this.tab) {
      case "payments":
        await Promise.all([this.payments.reload(), this.detail.refresh()]);
        break;
      case "totals":
        await this.totals.load();
        break;
      case "webhooks":
        await this.webhooks.load();
        break;
      case "keys":
        await this.keys.load();
        break;
      case "settings":
        break; // SettingsScreen loads itself
    }
  }

  /** The engine changed something: re-read what is on screen. */
  async refresh(): Promise<void> {
    if (this.tab === "payments") await Promise.all([this.payments.refresh(), this.detail.refresh()]);
    else if (this.tab === "totals") await this.totals.load();
    else if (this.tab === "webhooks") await this.webhooks.load();
  }

  forgetSecrets(): void {
    this.webhooks.dismissSecret();
    this.keys.dismissSecret();
  }

  /** The owner locked: nothing of theirs stays in the window's state. */
  locked(): void {
    this.forgetSecrets();
    this.detail.close();
    this.payments.forget();
    this.totals.totals = null;
    this.webhooks.logFor = null;
    this.webhooks.log = [];
    this.webhooks.tests = {};
  }
}
