// The last sales strip under the cashier screen.
import type { SaleSummary } from "../gen/ipc";
import type { Backend } from "../ipc";

export const RECENT_LIMIT = 5;

export class RecentModel {
  sales = $state.raw<SaleSummary[]>([]);
  private readonly backend: Backend;

  constructor(backend: Backend) {
    this.backend = backend;
  }

  start(): () => void {
    void this.refresh();
    const stop = this.backend.onSessionsChanged(() => void this.refresh());
    return () => void stop.then((f) => f());
  }

  async refresh(): Promise<void> {
    try {
      this.sales = await this.backend.recentSales(RECENT_LIMIT);
    } catch {
      // Keep the last known list; the strip is a convenience.
    }
  }
}
