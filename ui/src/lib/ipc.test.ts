import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { TauriBackend, toIpcError } from "./ipc";

// Node has no window; the IPC mock needs one.
(globalThis as unknown as { window: unknown }).window ??= globalThis;

afterEach(() => clearMocks());

describe("TauriBackend", () => {
  it("sends the command names and camelCase arguments the Rust side declares", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return null;
    });
    const b = new TauriBackend();
    await b.createSession("12.50", "local", "ETH");
    await b.getSession("cs_1");
    await b.cancelSession("cs_1");
    await b.recentSales(5);
    await b.setCurrentSale(null);
    await b.walletConfirm([{ index: 3, word: "thank" }], 1);
    await b.walletImport("test junk", "", 0);
    await b.rpcTest("ws://x", 31337);
    await b.pinUnlock("123456");
    await b.settingsSave({ storeName: "x" } as never);
    await b.settingsAddNetwork({ preset: "base" } as never);
    await b.settingsRemoveNetwork("base");
    await b.setupFinish({ storeName: "x" } as never);
    await b.appInfo();
    expect(calls).toEqual([
      ["create_session", { amount: "12.50", network: "local", asset: "ETH" }],
      ["get_session", { id: "cs_1" }],
      ["cancel_session", { id: "cs_1" }],
      ["recent_sales", { limit: 5 }],
      ["set_current_sale", { id: null }],
      ["wallet_confirm", { answers: [{ index: 3, word: "thank" }], account: 1 }],
      ["wallet_import", { phrase: "test junk", passphrase: "", account: 0 }],
      ["rpc_test", { url: "ws://x", chainId: 31337 }],
      ["pin_unlock", { pin: "123456" }],
      ["settings_save", { settings: { storeName: "x" } }],
      ["settings_add_network", { network: { preset: "base" } }],
      ["settings_remove_network", { network: "base" }],
      ["setup_finish", { req: { storeName: "x" } }],
      ["app_info", {}],
    ]);
  });

  it("sends the dashboard's commands with the argument names of src-tauri/src/desktop/dashboard.rs", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return null;
    });
    const b = new TauriBackend();
    const filter = { status: null, attention: true, from: "2026-11-01", to: null, network: null, asset: null, livemode: false, search: "0xab" };
    await b.ledgerFind(filter, 50, "cs_1");
    await b.ledgerTotals(filter);
    await b.sessionDetail("cs_1");
    await b.exportCsv(filter);
    await b.openExplorer("cs_1", "0xab");
    await b.simulatePayment("cs_1", "over");
    await b.webhooksList();
    await b.webhooksAdd("n", "https://x", null);
    await b.webhooksTest("we_1");
    await b.webhooksAttempts("we_1");
    await b.webhooksRotate("we_1");
    await b.webhooksSetEnabled("we_1", false);
    await b.webhooksRemove("we_1");
    await b.eventsResend("evt_1", "we_1");
    await b.keysCreate(true, null, true);
    await b.keysList();
    await b.keysRevoke("key_1");
    await b.about();
    await b.diagnostics();
    await b.openLogFolder();
    expect(calls).toEqual([
      ["ledger_find", { filter, limit: 50, startingAfter: "cs_1" }],
      ["ledger_totals", { filter }],
      ["session_detail", { id: "cs_1" }],
      ["export_csv", { filter }],
      ["open_explorer", { sessionId: "cs_1", txHash: "0xab" }],
      ["simulate_payment", { id: "cs_1", how: "over" }],
      ["webhooks_list", {}],
      ["webhooks_add", { name: "n", url: "https://x", events: null }],
      ["webhooks_test", { id: "we_1" }],
      ["webhooks_attempts", { id: "we_1" }],
      ["webhooks_rotate", { id: "we_1" }],
      ["webhooks_set_enabled", { id: "we_1", enabled: false }],
      ["webhooks_remove", { id: "we_1" }],
      ["events_resend", { eventId: "evt_1", endpoint: "we_1" }],
      ["keys_create", { live: true, name: null, restricted: true }],
      ["keys_list", {}],
      ["keys_revoke", { id: "key_1" }],
      ["about", {}],
      ["diagnostics", {}],
      ["open_log_folder", {}],
    ]);
  });

  it("normalizes rejections to IpcError", async () => {
    mockIPC(() => {
      throw { code: "pin_wait", message: "wait", retryAfterSecs: 8 };
    });
    await expect(new TauriBackend().pinUnlock("1")).rejects.toEqual({ code: "pin_wait", message: "wait", param: null, retryAfterSecs: 8 });
    expect(toIpcError("boom")).toEqual({ code: "internal", message: "boom", param: null, retryAfterSecs: null });
    expect(toIpcError(new Error("x")).message).toBe("x");
  });

  it("listens to the engine's events", async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    let n = 0;
    const stop = await new TauriBackend().onSessionsChanged(() => n++);
    await emit("sessions-changed");
    expect(n).toBe(1);
    stop();
  });
});
