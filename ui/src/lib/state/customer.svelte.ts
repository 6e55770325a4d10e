// The customer display (second window): follows the cashier's current sale. It may only call
// `current_sale`, `app_info` and `chain_status`, and listen to events.
import type { AppInfo, ChainStatus, SaleView } from "../gen/ipc";
import type { Backend } from "../ipc";
import { saleChainDown, type ChainDown } from "../chain";

export const CUSTOMER_FALLBACK_MS = 15_000;

export class CustomerModel {
  info = $state.raw<AppInfo | null>(null);
  view = $state.raw<SaleView | null>(null);
  chains = $state.raw<ChainStatus[]>([]);
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
    // Each kept as last known when its call fails; the fallback timer tries again.
    await Promise.all([
      this.backend.currentSale().then((v) => (this.view = v), () => {}),
      this.backend.chainStatus().then((c) => (this.chains = c), () => {}),
    ]);
  }

  /** Why the open sale's payment may show late (its network is not watched now), if it may. */
  get down(): ChainDown | null {
    return saleChainDown(this.chains, this.view, this.now);
  }
}
