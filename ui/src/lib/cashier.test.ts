import { describe, expect, it } from "vitest";
import { canCharge, chainLine, countdown, isOpen, shapeAmount, statusText } from "./cashier";
import type { CheckoutSession } from "./types";

describe("amount entry", () => {
  it("keeps digits and one point with at most the minor digits", () => {
    expect(shapeAmount("12.505")).toBe("12.50");
    expect(shapeAmount("a1b2.3.4")).toBe("12.34");
    expect(shapeAmount(".5")).toBe("0.5");
    expect(shapeAmount("007")).toBe("7");
    expect(shapeAmount("1200.5", 0)).toBe("12005");
    expect(shapeAmount("3,75")).toBe("3.75");
  });
  it("only charges positive amounts", () => {
    expect(canCharge("12.50")).toBe(true);
    expect(canCharge("0.00")).toBe(false);
    expect(canCharge("")).toBe(false);
    expect(canCharge("0.")).toBe(false);
  });
});

describe("session display", () => {
  const base = {
    status: "detected",
    confirmations: 2,
    requiredConfirmations: 3,
    amount: { atomic: "1", value: "0.5" },
    amountReceived: { atomic: "1", value: "0.2" },
    amountDue: { atomic: "1", value: "0.3" },
    asset: { symbol: "ETH", decimals: 18, contract: null },
  } as unknown as CheckoutSession;

  it("counts confirmations in the cashier's words", () => {
    expect(statusText(base).detail).toBe("2 of 3 confirmations");
    expect(statusText({ ...base, status: "underpaid" }).detail).toBe("Still due 0.3 ETH (received 0.2); the code asks for the rest");
    expect(statusText({ ...base, status: "expired" }).detail).toContain("Only 0.2 ETH arrived");
    expect(statusText({ ...base, status: "expired", amountReceived: { atomic: "0", value: "0" } }).detail).toContain("Nothing arrived");
    expect(statusText({ ...base, status: "paid" }).tone).toBe("good");
  });
  it("counts down and stops at zero", () => {
    const t = Date.parse("2026-11-01T12:15:00.000Z");
    expect(countdown("2026-11-01T12:15:00.000Z", t - 75_000)).toBe("1:15");
    expect(countdown("2026-11-01T12:15:00.000Z", t + 5_000)).toBe("0:00");
  });
  it("knows which statuses can still change", () => {
    expect(isOpen("pending")).toBe(true);
    expect(isOpen("paid")).toBe(false);
  });
});

describe("chain line", () => {
  const base = { network: "local", chainId: 31337, rpcUrl: null, processed: 10 };
  it("shows the head, and the lag when behind", () => {
    expect(chainLine({ ...base, connected: true, head: 10, lag: 0, error: null })).toEqual({ text: "local: block 10", ok: true });
    expect(chainLine({ ...base, connected: true, head: 20, lag: 10, error: null })).toEqual({ text: "local: block 20, 10 behind", ok: false });
  });
  it("shows what is wrong when disconnected", () => {
    expect(chainLine({ ...base, connected: false, head: null, lag: null, error: "no answer" }).text).toBe("local: no answer");
  });
});
