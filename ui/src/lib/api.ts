// Typed wrappers over the IPC commands. No business rules here: the Rust service layer decides.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AppInfo, ChainStatus, IpcError, SessionView, WalletInfo } from "./types";

/** Turns whatever a command rejected with into a message a cashier can read. */
export function errorMessage(e: unknown): string {
  if (e && typeof e === "object" && "message" in e) return String((e as IpcError).message);
  return String(e);
}

export const api = {
  appInfo: () => invoke<AppInfo>("app_info"),
  walletStatus: () => invoke<WalletInfo | null>("wallet_status"),
  chainStatus: () => invoke<ChainStatus[]>("chain_status"),
  createSession: (amount: string, asset?: string, network?: string) =>
    invoke<SessionView>("create_session", { amount, asset: asset ?? null, network: network ?? null }),
  getSession: (id: string) => invoke<SessionView>("get_session", { id }),
  cancelSession: (id: string) => invoke<SessionView>("cancel_session", { id }),
};

/** Calls `f` whenever the engine reports that sessions or chain status may have changed;
 *  resolves to a function that stops listening. */
export function onSessionsChanged(f: () => void): Promise<UnlistenFn> {
  return listen("sessions-changed", () => f());
}
