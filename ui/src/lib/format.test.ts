import { describe, expect, it } from "vitest";
import {
  ago, canCharge, confirmationsText, confirmWait, countdown, groupDigits, mmss, padAmount, phraseWords, pinProblem,
  shapeAmount, shortAddress, shortXpub, wordNumber, zeroAmount,
} from "./format";

describe("amount entry by minor units", () => {
  it("USD: two decimals", () => {
    expect(shapeAmount("12.505", 2)).toBe("12.50");
    expect(shapeAmount("a1b2.3.4", 2)).toBe("12.34");
    expect(shapeAmount(".5", 2)).toBe("0.5");
    expect(shapeAmount("007", 2)).toBe("7");
    expect(shapeAmount("3,75", 2)).toBe("3.75");
  });
  it("JPY: whole amounts, the point is ignored", () => {
    expect(shapeAmount("1200.5", 0)).toBe("12005");
    expect(shapeAmount("1,500", 0)).toBe("1500");
  });
  it("BHD: three decimals", () => {
    expect(shapeAmount("1.2345", 3)).toBe("1.234");
  });
  it("caps the integer part at 12 digits", () => {
    expect(shapeAmount("12345678901234", 2)).toBe("123456789012");
  });
  it("only charges positive amounts", () => {
    expect(canCharge("12.50")).toBe(true);
    expect(canCharge("0.01")).toBe(true);
    expect(canCharge("0.00")).toBe(false);
    expect(canCharge("")).toBe(false);
    expect(canCharge("0.")).toBe(false);
  });
  it("placeholders and padding follow the currency", () => {
    expect(zeroAmount(0)).toBe("0");
    expect(zeroAmount(2)).toBe("0.00");
    expect(zeroAmount(3)).toBe("0.000");
    expect(padAmount("12.5", 2)).toBe("12.50");
    expect(padAmount("7", 3)).toBe("7.000");
    expect(padAmount("1500", 0)).toBe("1500");
    expect(groupDigits("1234567.50")).toBe("1\u2009234\u2009567.50");
  });
});

describe("times", () => {
  const end = Date.parse("2026-11-01T12:15:00.000Z");
  it("counts down as mm:ss, fixed width, stops at zero", () => {
    expect(countdown("2026-11-01T12:15:00.000Z", end - 75_000)).toBe("01:15");
    expect(countdown("2026-11-01T12:15:00.000Z", end - 14 * 60_000 - 59_500)).toBe("15:00");
    expect(countdown("2026-11-01T12:15:00.000Z", end + 5_000)).toBe("00:00");
    expect(countdown("not a date", end)).toBe("00:00");
    expect(mmss(6000)).toBe("100:00");
  });
  it("says how long ago", () => {
    expect(ago("2026-11-01T12:15:00.000Z", end + 10_000)).toBe("just now");
    expect(ago("2026-11-01T12:15:00.000Z", end + 5 * 60_000)).toBe("5 min ago");
    expect(ago("2026-11-01T12:15:00.000Z", end + 3 * 3600_000)).toBe("3 h ago");
  });
  it("estimates the confirmation wait", () => {
    expect(confirmWait(3, 12)).toBe("≈ 36 s");
    expect(confirmWait(10, 12)).toBe("≈ 2 min");
    expect(confirmWait(20, 0.25)).toBe("≈ 5 s");
  });
});

describe("short forms", () => {
  it("cuts addresses and keys", () => {
    expect(shortAddress("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")).toBe("0xf39F…2266");
    expect(shortXpub("xpub6CUGRUonZSQ4TWtTMmzXdrXDtypWKiKrhko4egpiMZbpiaQL2jkwSB1icqYh2cfDfVxdx4df189oLKnC5fSwqPfgyP3hooxujYzAu3fDVmz")).toBe("xpub6CUG…3fDVmz");
    expect(shortAddress("0x1234")).toBe("0x1234");
  });
  it("counts confirmations in words", () => {
    expect(confirmationsText(2, 3)).toBe("2 of 3 confirmations");
    expect(confirmationsText(5, 3)).toBe("3 of 3 confirmations");
    expect(confirmationsText(0, 1)).toBe("0 of 1 confirmation");
  });
});

describe("wallet and PIN input", () => {
  it("splits a typed phrase", () => {
    expect(phraseWords("  Test\ttest\n1. junk  ")).toEqual(["test", "test", "junk"]);
  });
  it("finds the word an error names", () => {
    expect(wordNumber("word 5 is not a BIP39 English word")).toBe(5);
    expect(wordNumber("word-12")).toBe(12);
    expect(wordNumber("its checksum does not match")).toBeNull();
    expect(wordNumber(null)).toBeNull();
  });
  it("wants 6+ digits, twice the same", () => {
    expect(pinProblem("12345", "12345")).toMatch(/6 digits/);
    expect(pinProblem("12345a", "12345a")).toMatch(/digits only/);
    expect(pinProblem("123456", "123457")).toMatch(/differ/);
    expect(pinProblem("123456", "123456")).toBeNull();
  });
});

describe("dashboard formats", () => {
  it("days are UTC and move by whole days", async () => {
    const { utcDay, addDays, monthStart, shortHash, duration } = await import("./format");
    expect(utcDay(Date.parse("2026-11-01T23:30:00Z"))).toBe("2026-11-01");
    expect(addDays("2026-11-01", -1)).toBe("2026-10-31");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(monthStart("2026-11-17")).toBe("2026-11-01");
    expect(shortHash("0x8f3c2a51e4b79d0c6a1f2e3d4c5b6a798a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d")).toBe("0x8f3c2a…5b4c3d");
    expect(duration(340)).toBe("340 ms");
    expect(duration(1234)).toBe("1.2 s");
  });
});
