// The words and colour shown for each status. Presentation only: whether a sale is open, paid,
// overpaid or owes a refund comes from the engine's SaleView, never from here.
import type { SaleView, Status } from "./gen/ipc";
import { confirmationsText } from "./format";

/** One colour per state. */
export type Tone = "wait" | "seen" | "warn" | "good" | "bad";

export type StatusWords = {
  /** The state in a few words ("Waiting for payment"). */
  title: string;
  /** A short tag next to the title ("Overpaid"), if any. */
  tag: string | null;
  /** One line under the title. */
  detail: string;
  tone: Tone;
};

const TONES: Record<Status, Tone> = {
  pending: "wait",
  detected: "seen",
  underpaid: "warn",
  paid: "good",
  overpaid: "good",
  paid_late: "good",
  expired: "bad",
  canceled: "bad",
};

export const toneOf = (s: Status): Tone => TONES[s];

/** Short chip text for the recent-sales strip. */
export const CHIP: Record<Status, string> = {
  pending: "Waiting",
  detected: "Seen",
  underpaid: "Underpaid",
  paid: "Paid",
  overpaid: "Overpaid",
  paid_late: "Paid late",
  expired: "Expired",
  canceled: "Canceled",
};

const money = (v: { value: string }, symbol: string) => `${v.value} ${symbol}`;

/** Whether confirmations mean anything yet (a payment is on the session). */
export function showsConfirmations(v: SaleView): boolean {
  const s = v.session.status;
  return s === "detected" || s === "underpaid" || (v.paid && s !== "paid_late") || (s === "paid_late" && v.session.payments.length > 0);
}

/** What the cashier reads. */
export function cashierWords(v: SaleView): StatusWords {
  const s = v.session;
  const sym = s.asset.symbol;
  const confs = confirmationsText(s.confirmations, s.requiredConfirmations);
  const tone = TONES[s.status];
  switch (s.status) {
    case "pending":
      return { title: "Waiting for payment", tag: null, detail: "Ask the customer to scan the code with their wallet", tone };
    case "detected":
      return { title: "Payment seen", tag: null, detail: confs, tone };
    case "underpaid":
      return { title: "Underpaid", tag: null, detail: `Still due ${money(s.amountDue, sym)} — the code now asks for the rest`, tone };
    case "paid":
      return { title: "Paid", tag: null, detail: confs, tone };
    case "overpaid":
      return { title: "Paid", tag: "Overpaid", detail: confs, tone };
    case "paid_late":
      return { title: "Paid late", tag: null, detail: `After the countdown, within the grace period · ${confs}`, tone };
    case "expired":
      return {
        title: v.refundDue ? "Not paid in time — do not pay" : "No payment arrived — do not pay",
        tag: "Expired",
        detail: v.refundDue
          ? `Only part arrived; the owner refunds ${money(v.refundDue, sym)}`
          : "The time ran out. “Charge again” shows a new code for the same amount",
        tone,
      };
    case "canceled":
      return { title: "Canceled — do not pay", tag: null, detail: "This sale was canceled", tone };
  }
}

/** What the customer reads on the second screen. */
export function customerWords(v: SaleView): { title: string; detail: string; tone: Tone } {
  const s = v.session;
  const tone = TONES[s.status];
  switch (s.status) {
    case "pending":
      return { title: "Scan to pay", detail: "Use any wallet on this network", tone };
    case "detected":
      return { title: `Payment received — confirming ${Math.min(s.confirmations, s.requiredConfirmations)} of ${s.requiredConfirmations}`, detail: "Please wait a moment", tone };
    case "underpaid":
      return { title: "Part of the payment arrived", detail: `Please send the remaining ${money(s.amountDue, s.asset.symbol)}`, tone };
    case "paid":
    case "overpaid":
    case "paid_late":
      return { title: "Thank you!", detail: "Payment complete", tone };
    case "expired":
      return { title: "This payment request has expired — please do not pay", detail: "Ask the cashier for a new one", tone };
    case "canceled":
      return { title: "This payment request was canceled — please do not pay", detail: "Ask the cashier for a new one", tone };
  }
}

/** Every status, in the order the filters list them. */
export const STATUSES: Status[] = ["pending", "detected", "underpaid", "paid", "overpaid", "paid_late", "expired", "canceled"];

/** The event types an endpoint may subscribe to (SPEC §5). */
export const EVENT_TYPES = [
  "session.created",
  "session.detected",
  "session.underpaid",
  "session.paid",
  "session.overpaid",
  "session.paid_late",
  "session.expired",
  "session.canceled",
  "session.late_payment",
  "session.unexpected_payment",
  "session.reverted",
] as const;

const EVENT_WORDS: Record<string, { title: string; tone: Tone | null }> = {
  "session.created": { title: "Sale started", tone: null },
  "session.detected": { title: "Payment seen", tone: "seen" },
  "session.underpaid": { title: "Underpaid", tone: "warn" },
  "session.paid": { title: "Paid", tone: "good" },
  "session.overpaid": { title: "Paid — overpaid", tone: "good" },
  "session.paid_late": { title: "Paid late", tone: "good" },
  "session.expired": { title: "Expired", tone: "bad" },
  "session.canceled": { title: "Canceled", tone: "bad" },
  "session.late_payment": { title: "Funds after the end (extra)", tone: "warn" },
  "session.unexpected_payment": { title: "Funds in another asset (extra)", tone: "warn" },
  "session.reverted": { title: "Moved back (a payment left the chain)", tone: "warn" },
  "webhook.test": { title: "Test event", tone: null },
};

/** An event type in words ("session.paid" → "Paid"); unknown types as they are. */
export function eventWords(kind: string): { title: string; tone: Tone | null } {
  return EVENT_WORDS[kind] ?? { title: kind, tone: null };
}

/** A webhook delivery's status (`pending`, `succeeded`, `failed`, `canceled`) in words and colour. */
export function deliveryWords(status: string): { title: string; tone: Tone } {
  switch (status) {
    case "succeeded":
      return { title: "Delivered", tone: "good" };
    case "pending":
      return { title: "Retrying", tone: "warn" };
    case "failed":
      return { title: "Failed", tone: "bad" };
    case "canceled":
      return { title: "Canceled", tone: "bad" };
    default:
      return { title: status, tone: "wait" };
  }
}
