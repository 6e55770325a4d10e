// The payments table: filters, one search box (debounced), keyset pages, CSV export.
// Which sessions match (attention, open, paid…) is the engine's answer, never decided here.
import type { CheckoutSession, SessionFilter, Status } from "../gen/ipc";
import { debounce } from "../timing";
import { shown, type OwnerCalls } from "./owner";

/** Rows asked for at a time. */
export const PAGE = 50;
/** The engine's largest page. */
export const MAX_LIMIT = 100;
/** Typing pauses this long before the search runs. */
export const SEARCH_DEBOUNCE_MS = 150;

/** The status filter's value: all, the engine's "needs attention", or one status. */
export type StatusChoice = "" | "attention" | Status;
/** Test, live or both. */
export type ModeChoice = "" | "test" | "live";

export class PaymentsModel {
  status = $state<StatusChoice>("");
  from = $state("");
  to = $state("");
  network = $state("");
  asset = $state("");
  mode = $state<ModeChoice>("");
  /** What is typed in the search box. */
  search = $state("");
  /** The search the rows answer (set once typing pauses). */
  searched = $state("");

  /** Loaded rows, newest first (pages appended; never deep-proxied). */
  rows = $state.raw<CheckoutSession[]>([]);
  hasMore = $state(false);
  loading = $state(false);
  loadingMore = $state(false);
  /** Set once the first page answered. */
  loaded = $state(false);
  error = $state<string | null>(null);
  exporting = $state(false);
  exportMessage = $state<{ text: string; ok: boolean } | null>(null);

  private readonly owner: OwnerCalls;
  /** Bumped by every new query: answers to older ones are dropped. */
  private seq = 0;
  private readonly searchSoon = debounce(() => {
    this.searched = this.search.trim();
    void this.reload();
  }, SEARCH_DEBOUNCE_MS);

  constructor(owner: OwnerCalls) {
    this.owner = owner;
  }

  /** The filter the engine gets. */
  get filter(): SessionFilter {
    return {
      status: this.status === "" || this.status === "attention" ? null : this.status,
      attention: this.status === "attention",
      from: this.from || null,
      to: this.to || null,
      network: this.network || null,
      asset: this.asset || null,
      livemode: this.mode === "" ? null : this.mode === "live",
      search: this.searched || null,
    };
  }

  /** Whether anything narrows the list (the empty state says "no match" rather than "no sales"). */
  get filtered(): boolean {
    return !!(this.status || this.from || this.to || this.network || this.asset || this.mode || this.searched);
  }

  /** Typing in the search box: the query runs once typing pauses. */
  type(text: string): void {
    this.search = text;
    this.searchSoon();
  }

  /** Runs a typed search now (Enter). */
  searchNow(): void {
    this.searchSoon.flush();
  }

  /** Back to every session. */
  clear(): void {
    this.searchSoon.cancel();
    this.status = "";
    this.from = this.to = this.network = this.asset = "";
    this.mode = "";
    this.search = this.searched = "";
    void this.reload();
  }

  /** The first page for the current filter. */
  async reload(): Promise<void> {
    const seq = ++this.seq;
    this.loading = true;
    const r = await this.owner.run((b) => b.ledgerFind(this.filter, PAGE, null));
    if (seq !== this.seq) return;
    this.loading = false;
    this.loaded = true;
    if (r.ok) {
      this.rows = r.value.sessions;
      this.hasMore = r.value.hasMore;
      this.error = null;
    } else {
      this.rows = [];
      this.hasMore = false;
      this.error = shown(r.error);
    }
  }

  /** The next page (keyset: after the last row's id). */
  async loadMore(): Promise<void> {
    const last = this.rows.at(-1);
    if (!last || !this.hasMore || this.loadingMore) return;
    const seq = this.seq;
    this.loadingMore = true;
    const r = await this.owner.run((b) => b.ledgerFind(this.filter, PAGE, last.id));
    this.loadingMore = false;
    if (seq !== this.seq) return;
    if (r.ok) {
      this.rows = [...this.rows, ...r.value.sessions];
      this.hasMore = r.value.hasMore;
      this.error = null;
    } else {
      this.error = shown(r.error);
    }
  }

  /** Something changed in the engine: re-read the top of the list (new sales, new statuses),
   *  keep the older rows already loaded below it. */
  async refresh(): Promise<void> {
    if (!this.loaded || this.loading) return;
    const seq = this.seq;
    const limit = Math.min(MAX_LIMIT, Math.max(PAGE, this.rows.length));
    const r = await this.owner.run((b) => b.ledgerFind(this.filter, limit, null));
    if (seq !== this.seq || !r.ok) return;
    const fresh = r.value.sessions;
    const seen = new Set(fresh.map((s) => s.id));
    const lastFresh = fresh.at(-1);
    const cut = lastFresh ? this.rows.findIndex((s) => s.id === lastFresh.id) : -1;
    const rest = r.value.hasMore && cut >= 0 ? this.rows.slice(cut + 1).filter((s) => !seen.has(s.id)) : [];
    this.rows = [...fresh, ...rest];
    this.hasMore = rest.length > 0 ? this.hasMore : r.value.hasMore;
  }

  /** The CSV of the current filter, through the engine's save dialog. */
  async exportCsv(): Promise<void> {
    if (this.exporting) return;
    this.exporting = true;
    this.exportMessage = null;
    const r = await this.owner.run((b) => b.exportCsv(this.filter));
    this.exporting = false;
    if (r.ok) {
      if (r.value !== null) this.exportMessage = { text: `${r.value} session${r.value === 1 ? "" : "s"} exported`, ok: true };
    } else {
      const m = shown(r.error);
      if (m) this.exportMessage = { text: `Export failed: ${m}`, ok: false };
    }
  }

  /** Drops the loaded rows (the owner locked); the filters stay for next time. */
  forget(): void {
    this.seq++;
    this.rows = [];
    this.hasMore = false;
    this.loaded = false;
    this.loading = false;
    this.exportMessage = null;
  }

  /** Stops a pending search (leaving the screen). */
  stop(): void {
    this.searchSoon.cancel();
  }
}
