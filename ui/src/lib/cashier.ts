// Presentation helpers of the cashier screen: keystroke shaping and the words shown per status.
import type { ChainStatus, CheckoutSession, Status } from "./types";

/** Keeps digits and one decimal point, at most `minorDigits` after it (what a till keypad allows). */
export function shapeAmount(input: string, minorDigits = 2): string {
  let out = "";
  let seenPoint = false;
  let decimals = 0;
  for (const ch of input.replace(",", ".")) {
    if (ch >= "0" && ch <= "9") {
      if (seenPoint) {
        if (decimals >= minorDigits) continue;
        decimals++;
      }
      if (out === "0" && !seenPoint) out = "";
      out += ch;
    } else if (ch === "." && !seenPoint && minorDigits > 0) {
      seenPoint = true;
      out += out === "" ? "0." : ".";
    }
  }
  return out;
}

/** Whether the entry is a positive amount worth sending to the engine. */
export function canCharge(amount: string): boolean {
  return /^\d+(\.\d+)?$/.test(amount) && /[1-9]/.test(amount);
}

/** `mm:ss` until `expiresAt`, or `0:00` once past. */
export function countdown(expiresAt: string, now: number): string {
  const left = Math.max(0, Math.floor((Date.parse(expiresAt) - now) / 1000));
  const m = Math.floor(left / 60);
  const s = left % 60;
  return `${m}:${s.toString().padStart(2, "0")}`;
}

/** Headline and tone of each status, in the cashier's words. */
export function statusText(s: CheckoutSession): { headline: string; detail: string; tone: "wait" | "good" | "warn" | "bad" } {
  const confs = `${Math.min(s.confirmations, s.requiredConfirmations)} of ${s.requiredConfirmations} confirmations`;
  const table: Record<Status, () => ReturnType<typeof statusText>> = {
    pending: () => ({ headline: "Waiting for payment", detail: "Scan the code with any wallet", tone: "wait" }),
    detected: () => ({ headline: "Payment seen", detail: confs, tone: "wait" }),
    underpaid: () => ({ headline: "Underpaid", detail: `Still due ${s.amountDue.value} ${s.asset.symbol} (received ${s.amountReceived.value}); the code asks for the rest`, tone: "warn" }),
    paid: () => ({ headline: "Paid", detail: confs, tone: "good" }),
    overpaid: () => ({ headline: "Paid (overpaid)", detail: `Received ${s.amountReceived.value} ${s.asset.symbol}; the owner handles the extra`, tone: "good" }),
    paid_late: () => ({ headline: "Paid late", detail: "Paid after expiry, within the grace period", tone: "good" }),
    expired: () =>
      /[1-9]/.test(s.amountReceived.atomic)
        ? { headline: "Expired — do not pay", detail: `Only ${s.amountReceived.value} ${s.asset.symbol} arrived; the owner refunds it. Press Enter for a new sale`, tone: "bad" }
        : { headline: "Expired — do not pay", detail: "Nothing arrived in time. Press Enter for a new sale", tone: "bad" },
    canceled: () => ({ headline: "Canceled — do not pay", detail: "Press Enter for a new sale", tone: "bad" }),
  };
  return table[s.status]();
}

/** Whether the session can still change on its own (keep polling). */
export function isOpen(status: Status): boolean {
  return status === "pending" || status === "detected" || status === "underpaid";
}

/** One line per network for the header: connected with head and lag, or what is wrong. */
export function chainLine(c: ChainStatus): { text: string; ok: boolean } {
  if (c.connected && c.head !== null) {
    const lag = c.lag && c.lag > 0 ? `, ${c.lag} behind` : "";
    return { text: `${c.network}: block ${c.head}${lag}`, ok: !c.lag || c.lag < 3 };
  }
  return { text: `${c.network}: ${c.error ?? "connecting…"}`, ok: false };
}
