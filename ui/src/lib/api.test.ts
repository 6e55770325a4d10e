import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { api, errorMessage } from "./api";

// Node has no window; the IPC mock needs one with crypto.
(globalThis as any).window ??= globalThis;

afterEach(() => clearMocks());

describe("IPC wrappers", () => {
  it("send the command names and arguments the Rust side declares", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return { session: { id: "cs_1" }, qrSvg: "<svg/>" };
    });
    await api.createSession("12.50", "ETH");
    await api.getSession("cs_1");
    expect(calls).toEqual([
      ["create_session", { amount: "12.50", asset: "ETH", network: null }],
      ["get_session", { id: "cs_1" }],
    ]);
  });

  it("surface the engine's message on refusal", async () => {
    mockIPC(() => {
      throw { code: "invalid_input", message: "amount must be greater than zero", param: "amount.value" };
    });
    await expect(api.createSession("0")).rejects.toMatchObject({ code: "invalid_input" });
    expect(errorMessage({ code: "x", message: "boom" })).toBe("boom");
  });
});
