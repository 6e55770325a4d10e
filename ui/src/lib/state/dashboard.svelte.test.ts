// The dashboard's state classes against the fake engine: paging, the search debounce, filters,
// once-only secrets, and `locked` answers bringing the PIN back.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeBackend, err } from "../../mock/fake";
import type { SessionFilter } from "../gen/ipc";
import { AppModel } from "./app.svelte";
import { DashboardModel, REFRESH_MS } from "./dashboard.svelte";
import { PAGE, SEARCH_DEBOUNCE_MS } from "./payments.svelte";

const named = (fake: FakeBackend, name: string) => fake.calls.filter(([n]) => n === name).map(([, a]) => a);
const flush = () => vi.advanceTimersByTimeAsync(0);

let fake: FakeBackend;
let needPin: ReturnType<typeof vi.fn<() => void>>;
let dash: DashboardModel;

beforeEach(() => {
  vi.useFakeTimers();
  fake = new FakeBackend().withLedger(130);
  fake.unlocked = true;
  needPin = vi.fn<() => void>();
  dash = new DashboardModel(fake, needPin);
});
afterEach(() => vi.useRealTimers());

describe("PaymentsModel", () => {
  it("pages with keyset cursors until hasMore is false", async () => {
    const p = dash.payments;
    await p.reload();
    expect(p.rows).toHaveLength(PAGE);
    expect(p.hasMore).toBe(true);
    expect(named(fake, "ledgerFind")[0]).toEqual([expect.objectContaining({ status: null, attention: false, search: null }), PAGE, null]);
    const last = p.rows.at(-1)!.id;
    await p.loadMore();
    expect(named(fake, "ledgerFind")[1][2]).toBe(last);
    expect(p.rows).toHaveLength(2 * PAGE);
    await p.loadMore();
    expect(p.rows).toHaveLength(130);
    expect(p.hasMore).toBe(false);
    expect(new Set(p.rows.map((s) => s.id)).size).toBe(130);
    await p.loadMore(); // nothing more to ask for
    expect(named(fake, "ledgerFind")).toHaveLength(3);
  });

  it("searches once typing pauses, and drops answers to older queries", async () => {
    const p = dash.payments;
    await p.reload();
    const target = fake.ledger[77].session;
    const tx = fake.ledger.find((v) => v.session.payments.length > 0)!.session;
    for (const ch of tx.payments[0].txHash) p.type(p.search + ch);
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS - 10);
    expect(named(fake, "ledgerFind")).toHaveLength(1); // only the first page so far
    await vi.advanceTimersByTimeAsync(10);
    expect(named(fake, "ledgerFind")).toHaveLength(2);
    expect((named(fake, "ledgerFind")[1][0] as SessionFilter).search).toBe(tx.payments[0].txHash);
    expect(p.rows.map((s) => s.id)).toEqual([tx.id]);

    // A slow answer to an older search never overwrites a newer one.
    const slow = fake.ledgerFind.bind(fake);
    let release!: () => void;
    fake.ledgerFind = async (f, l, s) => {
      if (f.search === "10050") await new Promise<void>((r) => (release = r));
      return slow(f, l, s);
    };
    p.type("10050");
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS);
    p.type(target.metadata.orderId);
    p.searchNow(); // Enter: no wait
    await flush();
    expect(p.rows.map((s) => s.id)).toEqual([target.id]);
    release();
    await flush();
    expect(p.rows.map((s) => s.id)).toEqual([target.id]);
  });

  it("sends the status choice as the engine's filter (needs attention is the engine's flag)", async () => {
    const p = dash.payments;
    p.status = "attention";
    p.mode = "test";
    p.network = "local";
    p.from = "2026-11-01";
    await p.reload();
    expect(named(fake, "ledgerFind").at(-1)![0]).toEqual({
      status: null, attention: true, from: "2026-11-01", to: null, network: "local", asset: null, livemode: false, search: null,
    });
    p.status = "underpaid";
    expect(p.filter.status).toBe("underpaid");
    expect(p.filter.attention).toBe(false);
    p.clear();
    expect(p.filter).toEqual({ status: null, attention: false, from: null, to: null, network: null, asset: null, livemode: null, search: null });
  });

  it("refreshes the top on sessions-changed (throttled), keeping the loaded older rows", async () => {
    const stop = dash.start();
    await flush();
    await dash.payments.loadMore();
    expect(dash.payments.rows).toHaveLength(2 * PAGE);
    const before = named(fake, "ledgerFind").length;
    for (let i = 0; i < 20; i++) fake.emit("sessions-changed");
    await flush();
    await vi.advanceTimersByTimeAsync(REFRESH_MS);
    // one at once, one folded trailing call
    expect(named(fake, "ledgerFind").length - before).toBe(2);
    expect(dash.payments.rows).toHaveLength(2 * PAGE);
    expect(named(fake, "ledgerFind").at(-1)![1]).toBe(2 * PAGE);
    stop();
  });

  it("says how many sessions were exported, and nothing when the dialog was closed", async () => {
    const p = dash.payments;
    p.mode = "live";
    await p.exportCsv();
    const live = fake.ledger.filter((v) => v.session.livemode).length;
    expect(p.exportMessage).toEqual({ text: `${live} sessions exported`, ok: true });
    expect(named(fake, "exportCsv")[0][0]).toEqual(expect.objectContaining({ livemode: true }));
    fake.saveDialogChooses = false;
    p.exportMessage = null;
    await p.exportCsv();
    expect(p.exportMessage).toBeNull();
  });
});

describe("DetailModel", () => {
  it("offers simulate only on open test sessions, and re-reads the session after it", async () => {
    const d = dash.detail;
    const open = fake.ledger[0].session; // pending, test
    await d.open(open.id);
    expect(d.detail?.timeline[0].kind).toBe("session.created");
    expect(d.canSimulate).toBe(true);
    d.how = "short";
    await d.simulate();
    expect(named(fake, "simulatePayment")).toEqual([[open.id, "short"]]);
    expect(d.detail?.sale.session.status).toBe("underpaid");
    expect(d.simulated?.ok).toBe(true);
    const live = fake.ledger.find((v) => v.session.livemode && v.open)!.session;
    await d.open(live.id);
    expect(d.canSimulate).toBe(false);
    expect(d.how).toBe("exact");
    const done = fake.ledger.find((v) => !v.session.livemode && !v.open)!.session;
    await d.open(done.id);
    expect(d.canSimulate).toBe(false);
  });

  it("resends one delivery and opens only the engine's explorer links", async () => {
    const d = dash.detail;
    const paid = fake.ledger.find((v) => v.session.livemode && v.paid)!.session;
    await d.open(paid.id);
    const ev = d.detail!.timeline.at(-1)!;
    await d.resend(ev.eventId, ev.deliveries[0].endpointId);
    expect(named(fake, "eventsResend")).toEqual([[ev.eventId, ev.deliveries[0].endpointId]]);
    expect(d.resent?.notice.ok).toBe(true);
    await d.openExplorer(paid.payments[0].txHash);
    await d.openExplorer("0xnot-a-payment");
    expect(named(fake, "openExplorer")).toEqual([[paid.id, paid.payments[0].txHash]]);
  });
});

describe("once-only secrets", () => {
  it("a webhook secret is shown once and gone after closing; the list never holds it", async () => {
    const w = dash.webhooks;
    await w.load();
    w.name = "Kitchen";
    w.url = "https://kds.example.com/hook";
    expect(await w.add()).toBe(true);
    expect(w.secret?.secret).toMatch(/^whsec_/);
    expect(JSON.stringify(w.endpoints)).not.toContain("whsec_");
    w.dismissSecret();
    expect(w.secret).toBeNull();
    await w.rotate(w.endpoints[0].id);
    expect(w.secret?.rotated).toBe(true);
    expect(JSON.stringify(w.endpoints)).not.toContain("whsec_");
    dash.show("keys"); // moving on forgets it too
    expect(w.secret).toBeNull();
  });

  it("an API key is shown once; locking forgets it", async () => {
    dash.show("keys");
    const k = dash.keys;
    k.live = true;
    k.name = "Web shop";
    k.restricted = true;
    await k.create();
    expect(named(fake, "keysCreate")).toEqual([[true, "Web shop", true]]);
    expect(k.secret?.secret).toMatch(/^ck_live_/);
    expect(k.keys[0].name).toBe("Web shop");
    expect(JSON.stringify(k.keys)).not.toContain("ck_live_");
    dash.locked();
    expect(k.secret).toBeNull();
  });

  it("webhook form: checks what it can, puts the engine's refusal under its field", async () => {
    const w = dash.webhooks;
    w.allEvents = false;
    expect(await w.add()).toBe(false);
    expect(w.formErrors.url).toBeTruthy();
    expect(w.formErrors.events).toBeTruthy();
    w.url = "http://hooks.example.com/x";
    w.toggleEvent("session.paid", true);
    expect(await w.add()).toBe(false);
    expect(w.formErrors.url).toMatch(/plain http/);
    w.url = "https://hooks.example.com/x";
    w.touch("url");
    expect(await w.add()).toBe(true);
    expect(named(fake, "webhooksAdd").at(-1)).toEqual(["", "https://hooks.example.com/x", ["session.paid"]]);
  });

  it("remove and revoke wait for a confirmation", async () => {
    const w = dash.webhooks;
    await w.load();
    const id = w.endpoints[0].id;
    w.confirmRemove = w.endpoints[0];
    await w.remove(id);
    expect(w.confirmRemove).toBeNull();
    expect(w.endpoints.map((e) => e.id)).not.toContain(id);
    const k = dash.keys;
    await k.load();
    await k.revoke(k.keys[0].id);
    expect(k.keys[0].revokedAt).not.toBeNull();
  });
});

describe("locked → PIN", () => {
  it("a locked answer asks for the PIN, and entering it reloads the tab", async () => {
    const app = new AppModel(fake);
    await app.load();
    const d = new DashboardModel(fake, () => app.needPin());
    await app.openDashboard();
    expect(app.screen).toBe("dashboard");
    fake.unlocked = false; // the engine locked meanwhile
    d.show("totals");
    await flush();
    expect(app.pinOpen).toBe(true);
    expect(d.totals.error).toBeNull(); // the PIN dialog says it, not an error line
    fake.unlocked = true;
    app.unlocked();
    await d.load();
    expect(app.pinOpen).toBe(false);
    expect(app.screen).toBe("dashboard");
    expect(d.totals.totals?.sessions).toBeGreaterThan(0);
  });

  it("every owner call goes through the same door", async () => {
    fake.unlocked = false;
    await dash.payments.reload();
    await dash.webhooks.load();
    await dash.keys.load();
    await dash.detail.open(fake.ledger[0].session.id);
    await dash.totals.load();
    expect(needPin).toHaveBeenCalledTimes(5);
    expect(dash.payments.error).toBeNull();
  });

  it("other refusals are shown, not mistaken for the lock", async () => {
    fake.ledgerFind = async () => {
      throw err("invalid_input", "the range ends before it starts", "to");
    };
    await dash.payments.reload();
    expect(needPin).not.toHaveBeenCalled();
    expect(dash.payments.error).toBe("the range ends before it starts");
  });
});

describe("TotalsModel", () => {
  it("defaults to today (UTC) and picks ranges", async () => {
    const now = Date.parse("2026-11-17T10:00:00Z");
    const d = new DashboardModel(fake, needPin, () => now);
    const t = d.totals;
    expect([t.from, t.to]).toEqual(["2026-11-17", "2026-11-17"]);
    expect(t.preset).toBe("today");
    t.pick("week");
    expect([t.from, t.to]).toEqual(["2026-11-11", "2026-11-17"]);
    t.pick("month");
    expect(t.from).toBe("2026-11-01");
    t.pick("yesterday");
    expect([t.from, t.to, t.preset]).toEqual(["2026-11-16", "2026-11-16", "yesterday"]);
    await flush();
    expect(named(fake, "ledgerTotals").at(-1)![0]).toEqual(expect.objectContaining({ from: "2026-11-16", to: "2026-11-16" }));
  });
});
