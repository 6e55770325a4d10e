// The sale on the cashier screen: amount entry, the session, its live refresh and countdown.
import type { AppInfo, SaleView } from "../gen/ipc";
import type { ChainDown } from "../chain";
import { toIpcError, type Backend } from "../ipc";
import { canCharge, shapeAmount } from "../format";

/** The open session is refreshed on every `sessions-changed`; this timer is only the fallback. */
export const SALE_FALLBACK_MS = 15_000;
const CHOICE_KEY = "chaintill.assetChoice";

/** One network × asset pair the cashier can charge in. */
export type AssetChoice = { key: string; network: string; networkName: string; asset: string; test: boolean };

/** Every network × asset pair of the shop, in the engine's order. */
export function assetChoices(info: AppInfo | null): AssetChoice[] {
  return (info?.networks ?? []).flatMap((n) =>
    n.assets.map((a) => ({ key: `${n.id}:${a.symbol}`, network: n.id, networkName: n.name, asset: a.symbol, test: n.test })),
  );
}

type KeyStore = { getItem(k: string): string | null; setItem(k: string, v: string): void };

function browserStorage(): KeyStore | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

export class SaleModel {
  /** The session on screen; null while the amount is being entered. */
  view = $state.raw<SaleView | null>(null);
  amount = $state("");
  /** The stored network × asset key ("local:ETH"). */
  choiceKey = $state<string | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);
  /** Ticks every second for the countdown. */
  now = $state(Date.now());
  /** "The sale is still open — start a new one anyway?" is being asked. */
  confirmingNew = $state(false);
  /** Why the chosen network's payments cannot be seen now (the cashier screen keeps it
   *  current): charging waits until it is null again. */
  down = $state.raw<ChainDown | null>(null);

  /** Called once when a sale on screen becomes paid (the sound). */
  onPaid: (() => void) | null = null;
  /** Called after anything that adds or changes a sale (the recent strip refreshes). */
  onChanged: (() => void) | null = null;

  private readonly backend: Backend;
  private readonly storage: KeyStore | null;
  private refreshedAt = 0;
  private refreshing = false;

  constructor(backend: Backend, storage: KeyStore | null = browserStorage()) {
    this.backend = backend;
    this.storage = storage;
    this.choiceKey = storage?.getItem(CHOICE_KEY) ?? null;
  }

  /** Resumes the engine's current sale, follows `sessions-changed`, ticks the clock. */
  start(): () => void {
    void this.resume();
    const stop = this.backend.onSessionsChanged(() => void this.refresh());
    const timer = setInterval(() => {
      this.now = Date.now();
      if (this.now - this.refreshedAt >= SALE_FALLBACK_MS) void this.refresh();
    }, 1000);
    return () => {
      clearInterval(timer);
      void stop.then((f) => f());
    };
  }

  /** The sale that was on screen when the app last closed (or the other window set). */
  async resume(): Promise<void> {
    try {
      const v = await this.backend.currentSale();
      if (v && !this.view) this.view = v;
    } catch {
      // Nothing to resume: a fresh amount entry.
    }
  }

  /** The selected pair: the remembered one if the shop still offers it, else the first. */
  choice(info: AppInfo | null): AssetChoice | null {
    const all = assetChoices(info);
    return all.find((c) => c.key === this.choiceKey) ?? all[0] ?? null;
  }

  choose(key: string): void {
    this.choiceKey = key;
    this.storage?.setItem(CHOICE_KEY, key);
  }

  /** Typing in the amount field: shaped by the currency's minor units. */
  type(raw: string, minorUnits: number): string {
    this.amount = shapeAmount(raw, minorUnits);
    this.error = null;
    return this.amount;
  }

  get chargeable(): boolean {
    return canCharge(this.amount) && !this.busy && !this.down;
  }

  async charge(info: AppInfo | null): Promise<void> {
    const c = this.choice(info);
    if (!this.chargeable || !c) return;
    this.busy = true;
    this.error = null;
    try {
      const v = await this.backend.createSession(this.amount, c.network, c.asset);
      this.view = v;
      this.refreshedAt = Date.now();
      await this.backend.setCurrentSale(v.session.id).catch(() => {});
      this.onChanged?.();
    } catch (e) {
      this.error = toIpcError(e).message;
    } finally {
      this.busy = false;
    }
  }

  /** Re-reads the open session; a final one no longer changes. */
  async refresh(): Promise<void> {
    const v = this.view;
    if (!v || !v.open || this.refreshing) return;
    this.refreshing = true;
    this.refreshedAt = Date.now();
    try {
      this.apply(await this.backend.getSession(v.session.id));
    } catch (e) {
      this.error = toIpcError(e).message;
    } finally {
      this.refreshing = false;
    }
  }

  private apply(next: SaleView): void {
    const prev = this.view;
    if (!prev || prev.session.id !== next.session.id) return; // a new sale started meanwhile
    this.view = next;
    this.error = null;
    if (!prev.paid && next.paid) this.onPaid?.();
  }

  /** Cancels a pending sale (Esc). The engine refuses once a payment is seen. */
  async cancel(): Promise<boolean> {
    const v = this.view;
    if (!v || v.session.status !== "pending" || this.busy) return false;
    this.busy = true;
    try {
      this.view = await this.backend.cancelSession(v.session.id);
      this.error = null;
      this.onChanged?.();
      return true;
    } catch (e) {
      this.error = toIpcError(e).message;
      void this.refresh();
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** The new-sale key: at once when final; a pending sale is canceled first; a sale with a
   *  payment on it asks first (it stays open and keeps being watched). */
  async requestNewSale(): Promise<void> {
    const v = this.view;
    if (!v) return;
    if (!v.open) return this.newSale();
    if (v.session.status === "pending") {
      if (await this.cancel()) await this.newSale();
      return;
    }
    this.confirmingNew = true;
  }

  /** An expired sale charged again: a new session for the same amount on the same network and
   *  asset (left at the amount entry when charging is refused, e.g. the node is down). */
  async chargeAgain(info: AppInfo | null): Promise<void> {
    const v = this.view;
    if (!v || v.session.status !== "expired") return;
    const key = `${v.session.network.id}:${v.session.asset.symbol}`;
    await this.newSale();
    this.amount = v.session.fiat.amount;
    if (assetChoices(info).some((c) => c.key === key)) this.choose(key);
    await this.charge(info);
  }

  /** A fresh amount entry. */
  async newSale(): Promise<void> {
    this.view = null;
    this.amount = "";
    this.error = null;
    this.confirmingNew = false;
    await this.backend.setCurrentSale(null).catch(() => {});
    this.onChanged?.();
  }

  /** Puts a past sale back on screen (from the recent strip). */
  async show(id: string): Promise<void> {
    try {
      const v = await this.backend.getSession(id);
      this.view = v;
      this.refreshedAt = Date.now();
      await this.backend.setCurrentSale(id).catch(() => {});
    } catch (e) {
      this.error = toIpcError(e).message;
    }
  }
}
