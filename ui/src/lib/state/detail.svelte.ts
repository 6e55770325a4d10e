// One session as the owner sees it: amounts, payments, timeline with webhook deliveries, and in
// test mode a simulated payment. Whether it can be simulated (a test session still open) is read
// from the engine's SaleView.
import type { ExplorerLink, SessionDetail, SimulatedAmount } from "../gen/ipc";
import { shown, type OwnerCalls } from "./owner";

export type Notice = { text: string; ok: boolean };

export class DetailModel {
  /** The session shown, or null when the panel is closed. */
  id = $state<string | null>(null);
  detail = $state.raw<SessionDetail | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);

  how = $state<SimulatedAmount>("exact");
  simulating = $state(false);
  simulated = $state<Notice | null>(null);
  /** `eventId:endpointId` of the resend under way. */
  resending = $state<string | null>(null);
  resent = $state<{ key: string; notice: Notice } | null>(null);
  explorerError = $state<string | null>(null);

  private readonly owner: OwnerCalls;
  private seq = 0;

  constructor(owner: OwnerCalls) {
    this.owner = owner;
  }

  get canSimulate(): boolean {
    const d = this.detail;
    return !!d && !d.sale.session.livemode && d.sale.open;
  }

  explorerFor(txHash: string): ExplorerLink | undefined {
    return this.detail?.explorer.find((l) => l.txHash === txHash);
  }

  async open(id: string): Promise<void> {
    if (this.id !== id) {
      this.detail = null;
      this.simulated = null;
      this.resent = null;
      this.explorerError = null;
      this.how = "exact";
    }
    this.id = id;
    await this.load(true);
  }

  close(): void {
    this.seq++;
    this.id = null;
    this.detail = null;
    this.error = null;
    this.simulated = null;
    this.resent = null;
  }

  /** Re-reads the open session (a payment, a block, a delivery). */
  async refresh(): Promise<void> {
    if (this.id) await this.load(false);
  }

  private async load(showLoading: boolean): Promise<void> {
    const id = this.id;
    if (!id) return;
    const seq = ++this.seq;
    if (showLoading) this.loading = true;
    const r = await this.owner.run((b) => b.sessionDetail(id));
    if (seq !== this.seq) return;
    this.loading = false;
    if (r.ok) {
      this.detail = r.value;
      this.error = null;
    } else if (showLoading || r.error.code !== "locked") {
      this.error = shown(r.error);
    }
  }

  /** Pays the open test session from the devnet's funded account. */
  async simulate(how: SimulatedAmount = this.how): Promise<void> {
    const id = this.id;
    if (!id || !this.canSimulate || this.simulating) return;
    this.simulating = true;
    this.simulated = null;
    const r = await this.owner.run((b) => b.simulatePayment(id, how));
    this.simulating = false;
    if (r.ok) {
      const words = how === "exact" ? "the exact amount" : how === "short" ? "less than the amount" : "more than the amount";
      this.simulated = { text: `Sent ${words}: ${r.value}`, ok: true };
      await this.refresh();
    } else {
      const m = shown(r.error);
      if (m) this.simulated = { text: m, ok: false };
    }
  }

  /** Delivers an event again to one endpoint, now. */
  async resend(eventId: string, endpointId: string): Promise<void> {
    const key = `${eventId}:${endpointId}`;
    if (this.resending) return;
    this.resending = key;
    this.resent = null;
    const r = await this.owner.run((b) => b.eventsResend(eventId, endpointId));
    this.resending = null;
    if (r.ok) {
      const a = r.value.at(-1);
      // `error` is set whenever no 2xx arrived (the engine's rule, not ours).
      const text = !a ? "Queued for delivery" : a.error ? `Failed: ${a.error}` : `Delivered (HTTP ${a.httpStatus ?? "—"})`;
      this.resent = { key, notice: { text, ok: !!a && !a.error } };
      await this.refresh();
    } else {
      const m = shown(r.error);
      if (m) this.resent = { key, notice: { text: m, ok: false } };
    }
  }

  /** Opens a payment on the block explorer (only links the engine gave). */
  async openExplorer(txHash: string): Promise<void> {
    const id = this.id;
    if (!id || !this.explorerFor(txHash)) return;
    const r = await this.owner.run((b) => b.openExplorer(id, txHash));
    this.explorerError = r.ok ? null : shown(r.error);
  }
}
