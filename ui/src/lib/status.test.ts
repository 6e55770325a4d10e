import { describe, expect, it } from "vitest";
import { cashierWords, customerWords, showsConfirmations } from "./status";
import { makeView } from "../mock/fake";
import type { Status } from "./gen/ipc";

const text = (s: Status) => {
  const w = cashierWords(makeView(s));
  return [w.title, w.tag, w.detail].filter(Boolean).join(" ");
};

describe("cashier words", () => {
  it("names every state plainly", () => {
    expect(text("pending")).toContain("Waiting for payment");
    expect(text("detected")).toBe("Payment seen 1 of 3 confirmations");
    expect(text("underpaid")).toContain("Underpaid");
    expect(text("underpaid")).toContain("Still due 0.001167 ETH");
    expect(text("paid")).toBe("Paid 3 of 3 confirmations");
    expect(text("overpaid")).toContain("Overpaid");
    expect(text("paid_late")).toContain("Paid late");
    expect(text("expired")).toContain("No payment arrived — do not pay");
    expect(text("expired")).toContain("Expired");
    expect(text("canceled")).toContain("Canceled — do not pay");
  });
  it("one colour per state", () => {
    const tones = (["pending", "detected", "underpaid", "paid", "expired"] as Status[]).map((s) => cashierWords(makeView(s)).tone);
    expect(tones).toEqual(["wait", "seen", "warn", "good", "bad"]);
  });
  it("mentions the refund the engine says is due", () => {
    const v = makeView("expired");
    v.refundDue = { atomic: "3", value: "0.003" };
    expect(cashierWords(v).detail).toContain("0.003 ETH");
  });
  it("shows confirmations once a payment is on the session", () => {
    expect(showsConfirmations(makeView("pending"))).toBe(false);
    expect(showsConfirmations(makeView("detected"))).toBe(true);
    expect(showsConfirmations(makeView("paid"))).toBe(true);
    expect(showsConfirmations(makeView("expired"))).toBe(false);
  });
});

describe("customer words", () => {
  it("speaks to the customer", () => {
    expect(customerWords(makeView("pending")).title).toBe("Scan to pay");
    expect(customerWords(makeView("detected")).title).toBe("Payment received — confirming 1 of 3");
    expect(customerWords(makeView("paid")).title).toBe("Thank you!");
    expect(customerWords(makeView("expired")).title).toBe("This payment request has expired — please do not pay");
    expect(customerWords(makeView("canceled")).title).toContain("please do not pay");
  });
});
