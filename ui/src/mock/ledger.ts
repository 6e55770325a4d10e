// The fake engine's ledger: a few hundred sessions across networks, assets and states, and the
// dashboard's queries over them (for unit tests and the mock harness; never in the app bundle).
// These mimic the engine's answers; the real rules live in Rust.
import type {
  ApiKey,
  Attempt,
  DeliveryLine,
  Endpoint,
  LedgerPage,
  SaleView,
  SessionDetail,
  SessionFilter,
  Status,
  TimelineEntry,
  Totals,
  AssetTotal,
} from "../lib/gen/ipc";
import { makeView } from "./fake";

/** A deterministic pseudo-random source. */
function rng(seed: number) {
  let h = seed >>> 0 || 1;
  return () => ((h = Math.imul(h ^ (h >>> 15), 2246822519) + 0x9e3779b9) >>> 0) / 0x1_0000_0000;
}
const hex = (r: () => number, n: number) => Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(r() * 16)]).join("");

const WEIGHTED: Status[] = [
  "paid", "paid", "paid", "paid", "paid", "paid", "paid", "paid", "paid", "paid",
  "expired", "expired", "canceled", "underpaid", "overpaid", "paid_late", "pending", "detected",
];
const PRICES = ["3.80", "4.20", "4.50", "6.90", "7.50", "9.00", "12.50", "18.00", "24.00", "31.40", "45.00", "120.00"];

/** `n` sessions, newest first, one every ~9 minutes back from `now`. */
export function makeLedger(n: number, now: number = Date.now()): SaleView[] {
  const r = rng(42);
  const out: SaleView[] = [];
  for (let i = 0; i < n; i++) {
    // the newest few are still open; the rest are mostly done
    const status: Status = i === 0 ? "pending" : i === 1 ? "detected" : WEIGHTED[Math.floor(r() * WEIGHTED.length)];
    const usdc = r() < 0.4;
    const live = i > 1 && r() < 0.5;
    const created = now - 60_000 - i * 9 * 60_000 - Math.floor(r() * 120_000);
    const id = `cs_01JD${String(n - i).padStart(6, "0")}${hex(r, 16).toUpperCase()}`;
    const v = makeView(status, { id, now: created + 30_000, asset: usdc ? "USDC" : "ETH" });
    const fiat = PRICES[Math.floor(r() * PRICES.length)];
    const value = usdc ? fiat.replace(/\.?0+$/, "") : (Number(fiat) / 3000).toFixed(6).replace(/0+$/, "");
    const atomic = usdc ? String(Math.round(Number(fiat) * 1e6)) : String(Math.round(Number(value) * 1e6)) + "000000000000";
    const s = v.session;
    s.address = "0x" + hex(r, 40).replace(/[a-f]/g, (c, k) => (k % 3 === 0 ? c.toUpperCase() : c));
    s.livemode = live;
    s.network = live ? { id: "base", chainId: 8453, name: "Base" } : { id: "local", chainId: 31337, name: "Local devnet" };
    s.fiat = { amount: fiat, currency: "USD" };
    s.amount = { atomic, value, ...(usdc ? {} : { wei: atomic, eth: value }) };
    if (status === "paid" || status === "paid_late") s.amountReceived = { atomic, value };
    if (status === "pending" || status === "detected" || status === "expired" || status === "canceled") s.amountDue = { atomic, value };
    s.metadata = { orderId: String(10_000 + n - i) };
    s.checkoutUrl = `http://127.0.0.1:8787/checkout/${id}`;
    s.payments = s.payments.map((p) => ({
      ...p,
      from: "0x" + hex(r, 40),
      txHash: "0x" + hex(r, 64),
      amount: !p.extra && (status === "paid" || status === "paid_late" || status === "detected") ? { atomic, value } : p.amount,
    }));
    // now and then a late top-up on an expired sale: extra funds for the owner
    if (status === "expired" && r() < 0.25) {
      s.amountReceived = { atomic: "1000000", value: "1" };
      v.refundDue = s.amountReceived;
    }
    out.push(v);
  }
  return out;
}

const DAY = 86_400_000;
const dayOf = (iso: string) => iso.slice(0, 10);

/** The engine's "needs the owner" filter, as the fake understands it. */
export function needsAttention(v: SaleView): boolean {
  const s = v.session;
  return (
    s.status === "underpaid" ||
    s.status === "overpaid" ||
    s.status === "paid_late" ||
    (s.status === "expired" && s.amountReceived.atomic !== "0") ||
    s.payments.some((p) => p.extra)
  );
}

export function matches(v: SaleView, f: SessionFilter): boolean {
  const s = v.session;
  if (f.status && s.status !== f.status) return false;
  if (f.attention && !needsAttention(v)) return false;
  const t = Date.parse(s.createdAt);
  if (f.from && t < Date.parse(`${f.from}T00:00:00Z`)) return false;
  if (f.to && t >= Date.parse(`${f.to}T00:00:00Z`) + DAY) return false;
  if (f.network && s.network.id !== f.network) return false;
  if (f.asset && s.asset.symbol !== f.asset) return false;
  if (f.livemode !== null && s.livemode !== f.livemode) return false;
  const q = f.search?.trim();
  if (q) {
    const lq = q.toLowerCase();
    const hit =
      s.id === q ||
      s.address.toLowerCase() === lq ||
      s.payments.some((p) => p.txHash.toLowerCase() === lq) ||
      Object.values(s.metadata).includes(q);
    if (!hit) return false;
  }
  return true;
}

export function findPage(all: SaleView[], f: SessionFilter, limit: number, startingAfter: string | null): LedgerPage {
  const hits = all.filter((v) => matches(v, f));
  const start = startingAfter ? hits.findIndex((v) => v.session.id === startingAfter) + 1 : 0;
  const n = Math.min(100, Math.max(1, limit));
  const page = hits.slice(start, start + n);
  return { sessions: page.map((v) => v.session), hasMore: start + n < hits.length };
}

const add = (a: string, b: string) => String(Number((Number(a) + Number(b)).toFixed(6)));
const money2 = (a: string) => Number(a).toFixed(2);

export function totalsOf(all: SaleView[], f: SessionFilter): Totals {
  const hits = all.filter((v) => matches(v, f));
  const per = (vs: SaleView[]): AssetTotal[] => {
    const m = new Map<string, AssetTotal>();
    for (const v of vs) {
      const s = v.session;
      const k = `${s.network.id}:${s.asset.symbol}`;
      const t = m.get(k) ?? { network: s.network.id, asset: s.asset.symbol, sessions: 0, paid: 0, received: "0", paidFiat: "0.00" };
      t.sessions++;
      if (v.paid) {
        t.paid++;
        t.paidFiat = money2(add(t.paidFiat, s.fiat.amount));
      }
      t.received = add(t.received, s.amountReceived.value);
      m.set(k, t);
    }
    return [...m.values()].sort((a, b) => (a.network + a.asset).localeCompare(b.network + b.asset));
  };
  const days = [...new Set(hits.map((v) => dayOf(v.session.createdAt)))].sort().reverse();
  return {
    currency: "USD",
    sessions: hits.length,
    paid: hits.filter((v) => v.paid).length,
    open: hits.filter((v) => v.open).length,
    attention: hits.filter(needsAttention).length,
    paidFiat: money2(hits.filter((v) => v.paid).reduce((a, v) => add(a, v.session.fiat.amount), "0")),
    assets: per(hits),
    days: days.map((day) => ({ day, assets: per(hits.filter((v) => dayOf(v.session.createdAt) === day)) })),
  };
}

export const ENDPOINTS: Endpoint[] = [
  {
    id: "we_01JD3Q8Z6W7N5K2M4P9R0T1V3X",
    object: "webhook_endpoint",
    name: "Order system",
    url: "https://orders.corner-coffee.example/hooks/chaintill",
    events: ["*"],
    livemode: true,
    status: "enabled",
    disabledReason: null,
    previousSecretExpiresAt: null,
    createdAt: "2026-10-02T09:12:00.000Z",
  },
  {
    id: "we_01JD3Q8Z6W7N5K2M4P9R0T1V4Y",
    object: "webhook_endpoint",
    name: "Bookkeeping",
    url: "http://192.168.1.20:8080/payments",
    events: ["session.paid", "session.overpaid", "session.paid_late"],
    livemode: true,
    status: "disabled",
    disabledReason: "the receiver answered 410 Gone",
    previousSecretExpiresAt: null,
    createdAt: "2026-10-12T16:40:00.000Z",
  },
];

export const KEYS: ApiKey[] = [
  { id: "key_01JD3Q8Z6W7N5K2M4P9R0T1V3X", name: "Web shop", mode: "live", restricted: true, last4: "9fQa", createdAt: "2026-10-02T09:10:00.000Z", revokedAt: null },
  { id: "key_01JD3Q8Z6W7N5K2M4P9R0T1V4Y", name: "Staging", mode: "test", restricted: false, last4: "k2Lm", createdAt: "2026-10-05T11:00:00.000Z", revokedAt: null },
  { id: "key_01JD3Q8Z6W7N5K2M4P9R0T1V5Z", name: "Old POS plugin", mode: "live", restricted: false, last4: "Zt07", createdAt: "2026-09-14T08:30:00.000Z", revokedAt: "2026-10-01T18:02:00.000Z" },
];

/** A delivery log: a success, then failures with a retry due. */
export function attemptsFor(endpointId: string, now: number = Date.now()): Attempt[] {
  const failing = endpointId === ENDPOINTS[1].id;
  return Array.from({ length: 6 }, (_, i) => {
    const started = now - (i + 1) * 7 * 60_000;
    const bad = failing || i === 1;
    return {
      id: `att_${100 - i}`,
      eventId: `evt_01JD3Q8Z6W7N5K2M4P9R0T${String(10 + i)}`,
      endpointId,
      attempt: bad ? (i % 3) + 1 : 1,
      startedAt: new Date(started).toISOString(),
      durationMs: bad ? 10_000 : 80 + i * 37,
      httpStatus: bad ? (failing ? 410 : null) : 200,
      error: bad ? (failing ? "HTTP 410 Gone: endpoint disabled" : "timed out after 10 s") : null,
      responseBody: bad ? (failing ? "gone" : "") : '{"received":true}',
      nextRetryAt: bad && !failing && i === 1 ? new Date(now + 5 * 60_000).toISOString() : null,
    };
  });
}

/** A session's history as the engine would tell it. */
export function detailOf(v: SaleView): SessionDetail {
  const s = v.session;
  const t0 = Date.parse(s.createdAt);
  const at = (min: number) => new Date(t0 + min * 60_000).toISOString();
  const kinds: string[] = ["session.created"];
  if (s.status !== "pending" && s.status !== "canceled" && s.payments.length > 0) kinds.push("session.detected");
  if (s.status === "underpaid") kinds.push("session.underpaid");
  if (s.status === "paid" || s.status === "overpaid" || s.status === "paid_late") kinds.push(`session.${s.status}`);
  if (s.status === "overpaid") kinds.push("session.unexpected_payment");
  if (s.status === "expired") kinds.push("session.expired");
  if (s.status === "canceled") kinds.push("session.canceled");
  const delivery = (i: number, kind: string): DeliveryLine[] => {
    const ok: DeliveryLine = { endpointId: ENDPOINTS[0].id, endpointName: ENDPOINTS[0].name, status: "succeeded", attempts: 1, lastHttpStatus: 200, lastError: null, nextAttemptAt: null };
    const subscribed = ENDPOINTS[1].events.includes(kind);
    const failing: DeliveryLine = {
      endpointId: ENDPOINTS[1].id,
      endpointName: ENDPOINTS[1].name,
      status: i % 2 ? "failed" : "pending",
      attempts: 3,
      lastHttpStatus: null,
      lastError: "connect: connection refused (192.168.1.20:8080)",
      nextAttemptAt: i % 2 ? null : at(40),
    };
    return subscribed ? [ok, failing] : [ok];
  };
  const timeline: TimelineEntry[] = kinds.map((kind, i) => ({
    eventId: `evt_${s.id.slice(3, 15)}${String(i).padStart(2, "0")}`,
    kind,
    at: at(i === 0 ? 0 : i + 0.3),
    deliveries: delivery(i, kind),
  }));
  const explorer = s.network.id === "base" ? s.payments.map((p) => ({ txHash: p.txHash, url: `https://basescan.org/tx/${p.txHash}` })) : [];
  return { sale: v, timeline, explorer };
}
