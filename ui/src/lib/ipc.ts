// The UI's only door to the engine. `invoke` and `listen` appear nowhere else.
//
// `Backend` is an interface so another transport (a till talking to another till's engine over
// the LAN, the mock harness, unit tests) can slot in without touching a component.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type {
  About,
  ApiKey,
  AppInfo,
  Attempt,
  ChainStatus,
  CreatedKey,
  Endpoint,
  IpcError,
  LaunchFailure,
  LedgerPage,
  NetworkPreset,
  NewPhrase,
  RpcCheck,
  SaleSummary,
  NewSecret,
  SaleView,
  SessionDetail,
  SessionFilter,
  Settings,
  SetupNetwork,
  SetupRequest,
  SetupState,
  SimulatedAmount,
  Totals,
  UpdateOffer,
  WalletInfo,
  WordAnswer,
} from "./gen/ipc";

export type { IpcError };

/** Stops listening. */
export type Unlisten = () => void;

export interface Backend {
  appInfo(): Promise<AppInfo>;
  walletStatus(): Promise<WalletInfo | null>;
  chainStatus(): Promise<ChainStatus[]>;

  setupState(): Promise<SetupState>;
  setupPresets(): Promise<NetworkPreset[]>;
  walletGenerate(): Promise<NewPhrase>;
  walletConfirm(answers: WordAnswer[], account: number): Promise<WalletInfo>;
  walletImport(phrase: string, passphrase: string, account: number): Promise<WalletInfo>;
  rpcTest(url: string, chainId: number): Promise<RpcCheck>;
  setupFinish(req: SetupRequest): Promise<AppInfo>;

  pinUnlock(pin: string): Promise<void>;
  lock(): Promise<void>;
  ownerUnlocked(): Promise<boolean>;
  settingsGet(): Promise<Settings>;
  settingsSave(settings: Settings): Promise<Settings>;
  /** Adds a network (its node tested live by the engine); the settings with it last. */
  settingsAddNetwork(network: SetupNetwork): Promise<Settings>;
  settingsRemoveNetwork(network: string): Promise<Settings>;

  createSession(amount: string, network: string, asset: string): Promise<SaleView>;
  getSession(id: string): Promise<SaleView>;
  cancelSession(id: string): Promise<SaleView>;
  recentSales(limit: number): Promise<SaleSummary[]>;
  setCurrentSale(id: string | null): Promise<void>;
  currentSale(): Promise<SaleView | null>;
  openCustomerDisplay(): Promise<void>;

  // The owner's dashboard: each rejects with code `locked` when the PIN is needed again.
  ledgerFind(filter: SessionFilter, limit: number, startingAfter: string | null): Promise<LedgerPage>;
  ledgerTotals(filter: SessionFilter): Promise<Totals>;
  sessionDetail(id: string): Promise<SessionDetail>;
  /** Opens the native save dialog; the number of sessions written, or null when canceled. */
  exportCsv(filter: SessionFilter): Promise<number | null>;
  /** Opens one of the session's `explorer` links in the system browser. */
  openExplorer(sessionId: string, txHash: string): Promise<void>;
  /** Test mode: pays an open test session from the devnet's funded account; the tx hash. */
  simulatePayment(id: string, how: SimulatedAmount): Promise<string>;
  webhooksList(): Promise<Endpoint[]>;
  webhooksAdd(name: string, url: string, events: string[] | null): Promise<NewSecret>;
  webhooksTest(id: string): Promise<Attempt>;
  webhooksAttempts(id: string): Promise<Attempt[]>;
  webhooksRotate(id: string): Promise<NewSecret>;
  webhooksSetEnabled(id: string, enabled: boolean): Promise<Endpoint>;
  webhooksRemove(id: string): Promise<Endpoint>;
  eventsResend(eventId: string, endpoint: string | null): Promise<Attempt[]>;
  keysCreate(live: boolean, name: string | null, restricted: boolean): Promise<CreatedKey>;
  keysList(): Promise<ApiKey[]>;
  keysRevoke(id: string): Promise<ApiKey>;
  /** Version, data folder, log folder. */
  about(): Promise<About>;
  /** The support report (version, OS, configuration without secrets, chain status). */
  diagnostics(): Promise<string>;
  openLogFolder(): Promise<void>;
  /** The newer release the last check found (no network), or null. */
  updateOffer(): Promise<UpdateOffer | null>;
  /** Asks the release feed now; rejects with `conflict` while a sale is open on the till. */
  updateCheck(): Promise<UpdateOffer | null>;
  /** Downloads, verifies and installs the offered release, then the app restarts into it. */
  updateInstall(): Promise<void>;

  /** A payment, a block or a commit happened: refresh what is on screen. */
  onSessionsChanged(f: () => void): Promise<Unlisten>;
  /** The cashier put another sale on screen (the customer display follows). */
  onCurrentSaleChanged(f: () => void): Promise<Unlisten>;
}

/** The window a launch that cannot start opens (its only two commands). */
export interface LaunchBackend {
  /** What is wrong, what to do, where the log is. */
  launchFailure(): Promise<LaunchFailure>;
  launchFailureOpenLogs(): Promise<void>;
}

/** Whatever a command rejected with, as an `IpcError` (the engine sends one; anything else is
 *  wrapped so the UI can always show `message` and switch on `code`). */
export function toIpcError(e: unknown): IpcError {
  if (e && typeof e === "object") {
    const o = e as Record<string, unknown>;
    if (typeof o.code === "string" || typeof o.message === "string") {
      return {
        code: typeof o.code === "string" ? o.code : "internal",
        message: typeof o.message === "string" ? o.message : String(o.code),
        param: typeof o.param === "string" ? o.param : null,
        retryAfterSecs: typeof o.retryAfterSecs === "number" ? o.retryAfterSecs : null,
      };
    }
    if (e instanceof Error) return { code: "internal", message: e.message, param: null, retryAfterSecs: null };
  }
  return { code: "internal", message: String(e), param: null, retryAfterSecs: null };
}

export function isIpcError(e: unknown): e is IpcError {
  return !!e && typeof e === "object" && typeof (e as IpcError).code === "string" && typeof (e as IpcError).message === "string";
}

/** `invoke` with rejections normalized to `IpcError`. */
async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toIpcError(e);
  }
}

function on(event: string, f: () => void): Promise<Unlisten> {
  return listen(event, () => f());
}

/** The engine in this process, over Tauri IPC. Argument objects are camelCase, as Tauri passes them. */
export class TauriBackend implements Backend {
  appInfo = () => call<AppInfo>("app_info");
  walletStatus = () => call<WalletInfo | null>("wallet_status");
  chainStatus = () => call<ChainStatus[]>("chain_status");

  setupState = () => call<SetupState>("setup_state");
  setupPresets = () => call<NetworkPreset[]>("setup_presets");
  walletGenerate = () => call<NewPhrase>("wallet_generate");
  walletConfirm = (answers: WordAnswer[], account: number) => call<WalletInfo>("wallet_confirm", { answers, account });
  walletImport = (phrase: string, passphrase: string, account: number) =>
    call<WalletInfo>("wallet_import", { phrase, passphrase, account });
  rpcTest = (url: string, chainId: number) => call<RpcCheck>("rpc_test", { url, chainId });
  setupFinish = (req: SetupRequest) => call<AppInfo>("setup_finish", { req });

  pinUnlock = async (pin: string) => void (await call<null>("pin_unlock", { pin }));
  lock = async () => void (await call<null>("lock"));
  ownerUnlocked = () => call<boolean>("owner_unlocked");
  settingsGet = () => call<Settings>("settings_get");
  settingsSave = (settings: Settings) => call<Settings>("settings_save", { settings });
  settingsAddNetwork = (network: SetupNetwork) => call<Settings>("settings_add_network", { network });
  settingsRemoveNetwork = (network: string) => call<Settings>("settings_remove_network", { network });

  createSession = (amount: string, network: string, asset: string) =>
    call<SaleView>("create_session", { amount, network, asset });
  getSession = (id: string) => call<SaleView>("get_session", { id });
  cancelSession = (id: string) => call<SaleView>("cancel_session", { id });
  recentSales = (limit: number) => call<SaleSummary[]>("recent_sales", { limit });
  setCurrentSale = async (id: string | null) => void (await call<null>("set_current_sale", { id }));
  currentSale = () => call<SaleView | null>("current_sale");
  openCustomerDisplay = async () => void (await call<null>("open_customer_display"));

  ledgerFind = (filter: SessionFilter, limit: number, startingAfter: string | null) =>
    call<LedgerPage>("ledger_find", { filter, limit, startingAfter });
  ledgerTotals = (filter: SessionFilter) => call<Totals>("ledger_totals", { filter });
  sessionDetail = (id: string) => call<SessionDetail>("session_detail", { id });
  exportCsv = (filter: SessionFilter) => call<number | null>("export_csv", { filter });
  openExplorer = async (sessionId: string, txHash: string) => void (await call<null>("open_explorer", { sessionId, txHash }));
  simulatePayment = (id: string, how: SimulatedAmount) => call<string>("simulate_payment", { id, how });
  webhooksList = () => call<Endpoint[]>("webhooks_list");
  webhooksAdd = (name: string, url: string, events: string[] | null) => call<NewSecret>("webhooks_add", { name, url, events });
  webhooksTest = (id: string) => call<Attempt>("webhooks_test", { id });
  webhooksAttempts = (id: string) => call<Attempt[]>("webhooks_attempts", { id });
  webhooksRotate = (id: string) => call<NewSecret>("webhooks_rotate", { id });
  webhooksSetEnabled = (id: string, enabled: boolean) => call<Endpoint>("webhooks_set_enabled", { id, enabled });
  webhooksRemove = (id: string) => call<Endpoint>("webhooks_remove", { id });
  eventsResend = (eventId: string, endpoint: string | null) => call<Attempt[]>("events_resend", { eventId, endpoint });
  keysCreate = (live: boolean, name: string | null, restricted: boolean) => call<CreatedKey>("keys_create", { live, name, restricted });
  keysList = () => call<ApiKey[]>("keys_list");
  keysRevoke = (id: string) => call<ApiKey>("keys_revoke", { id });
  about = () => call<About>("about");
  diagnostics = () => call<string>("diagnostics");
  openLogFolder = async () => void (await call<null>("open_log_folder"));
  updateOffer = () => call<UpdateOffer | null>("update_offer");
  updateCheck = () => call<UpdateOffer | null>("update_check");
  updateInstall = async () => void (await call<null>("update_install"));

  onSessionsChanged = (f: () => void) => on("sessions-changed", f);
  onCurrentSaleChanged = (f: () => void) => on("current-sale-changed", f);
}

/** The launch-failure window's commands over Tauri IPC. */
export class TauriLaunchBackend implements LaunchBackend {
  launchFailure = () => call<LaunchFailure>("launch_failure");
  launchFailureOpenLogs = async () => void (await call<null>("launch_failure_open_logs"));
}
