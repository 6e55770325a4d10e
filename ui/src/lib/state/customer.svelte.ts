// The customer display (second window): follows the cashier's current sale. It may only call
// `current_sale` and `app_info`, and listen to events.
import type { AppInfo, SaleView } from "../gen/ipc";
import type { Backend } from "../ipc";

export const CUSTOMER_FALLBACK_MS = 15_000;

export class CustomerModel {
  info = $state.raw<AppInfo | null>(null);
  view = $state.raw<SaleView | null>(null);
  now = $state(Date.now());
  private readonly backend: Backend;
  private refreshedAt = 0;

  constructor(backend: Backend) {
    this.backend = backend;
  }

  start(): () => void {
    void this.backend.appInfo().then((i) => (this.info = i), () => {});
    void this.refresh();
    const stops = [
      this.backend.onCurrentSaleChanged(() => void this.refresh()),
      this.backend.onSessionsChanged(() => void this.refresh()),
    ];
    const timer = setInterval(() => {
      this.now = Date.now();
      if (this.now - this.refreshedAt >= CUSTOMER_FALLBACK_MS) void this.refresh();
    }, 1000);
    return () => {
      clearInterval(timer);
      for (const s of stops) void s.then((f) => f());
    };
  }

  async refresh(): Promise<void> {
    this.refreshedAt = Date.now();
    try {
      this.view = await this.backend.currentSale();
    } catch {
      // Keep showing the last known state; the fallback timer tries again.
    }
  }
}
