import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { debounce, throttle } from "./timing";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("debounce", () => {
  it("fires once after the quiet period", () => {
    const f = vi.fn();
    const d = debounce(f, 150);
    d();
    vi.advanceTimersByTime(100);
    d();
    vi.advanceTimersByTime(149);
    expect(f).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(f).toHaveBeenCalledTimes(1);
  });
  it("can be canceled or flushed", () => {
    const f = vi.fn();
    const d = debounce(f, 150);
    d();
    d.cancel();
    vi.advanceTimersByTime(500);
    expect(f).not.toHaveBeenCalled();
    d();
    d.flush();
    expect(f).toHaveBeenCalledTimes(1);
  });
});

describe("throttle", () => {
  it("fires at once, then folds a burst into one trailing call", () => {
    const f = vi.fn();
    const t = throttle(f, 500);
    t();
    expect(f).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(20);
      t();
    }
    expect(f).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(500);
    expect(f).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(2000);
    expect(f).toHaveBeenCalledTimes(2);
    t();
    expect(f).toHaveBeenCalledTimes(3);
  });
});
