// Totals for a range of days: the end-of-day summary (default: today) and per day × asset.
import type { SessionFilter, Totals } from "../gen/ipc";
import { addDays, monthStart, utcDay } from "../format";
import { shown, type OwnerCalls } from "./owner";
import type { ModeChoice } from "./payments.svelte";

export type RangePreset = "today" | "yesterday" | "week" | "month";

export class TotalsModel {
  from = $state(utcDay());
  to = $state(utcDay());
  mode = $state<ModeChoice>("");
  totals = $state.raw<Totals | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);

  private readonly owner: OwnerCalls;
  private readonly now: () => number;
  private seq = 0;

  constructor(owner: OwnerCalls, now: () => number = Date.now) {
    this.owner = owner;
    this.now = now;
    this.from = this.to = utcDay(now());
  }

  get filter(): SessionFilter {
    return {
      status: null,
      attention: false,
      from: this.from || null,
      to: this.to || null,
      network: null,
      asset: null,
      livemode: this.mode === "" ? null : this.mode === "live",
      search: null,
    };
  }

  /** Which preset the range is, if any (the picker shows it pressed). */
  get preset(): RangePreset | null {
    const today = utcDay(this.now());
    if (this.to === today && this.from === today) return "today";
    if (this.to === today && this.from === addDays(today, -6)) return "week";
    if (this.to === today && this.from === monthStart(today)) return "month";
    const y = addDays(today, -1);
    if (this.from === y && this.to === y) return "yesterday";
    return null;
  }

  pick(p: RangePreset): void {
    const today = utcDay(this.now());
    if (p === "today") this.from = this.to = today;
    else if (p === "yesterday") this.from = this.to = addDays(today, -1);
    else if (p === "week") [this.from, this.to] = [addDays(today, -6), today];
    else [this.from, this.to] = [monthStart(today), today];
    void this.load();
  }

  async load(): Promise<void> {
    const seq = ++this.seq;
    this.loading = true;
    const r = await this.owner.run((b) => b.ledgerTotals(this.filter));
    if (seq !== this.seq) return;
    this.loading = false;
    if (r.ok) {
      this.totals = r.value;
      this.error = null;
    } else {
      this.error = shown(r.error);
    }
  }
}
