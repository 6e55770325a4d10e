// The app as a whole: which screen, the shop's info, chain and wallet status, the owner lock.
import type { AppInfo, ChainStatus, WalletInfo } from "../gen/ipc";
import { toIpcError, type Backend } from "../ipc";

export type Screen = "loading" | "failed" | "setup" | "cashier" | "dashboard";

/** Chain status is re-read on every `sessions-changed` (a block) and at least this often. */
export const CHAIN_FALLBACK_MS = 15_000;

export class AppModel {
  screen = $state<Screen>("loading");
  info = $state.raw<AppInfo | null>(null);
  wallet = $state.raw<WalletInfo | null>(null);
  chains = $state.raw<ChainStatus[]>([]);
  /** Set once the first chain_status answered, so "starting…" is not shown forever. */
  chainsLoaded = $state(false);
  failure = $state<string | null>(null);
  /** The owner PIN dialog is open. */
  pinOpen = $state(false);
  /** Counts PIN entries: the dashboard reloads what a `locked` answer left empty. */
  unlocks = $state(0);

  readonly backend: Backend;

  constructor(backend: Backend) {
    this.backend = backend;
  }

  /** Any network in test mode: the header shows TEST MODE. */
  get testMode(): boolean {
    return this.info?.networks.some((n) => n.test) ?? false;
  }

  /** Loads everything and keeps chain status fresh; returns the function that stops. */
  start(): () => void {
    void this.load();
    const stop = this.backend.onSessionsChanged(() => void this.refreshChains());
    const timer = setInterval(() => void this.refreshChains(), CHAIN_FALLBACK_MS);
    return () => {
      clearInterval(timer);
      void stop.then((f) => f());
    };
  }

  async load(): Promise<void> {
    try {
      const setup = await this.backend.setupState();
      if (!setup.wallet || !setup.configured) {
        this.screen = "setup";
        return;
      }
      await this.enterCashier(await this.backend.appInfo());
    } catch (e) {
      this.failure = toIpcError(e).message;
      this.screen = "failed";
    }
  }

  /** Setup finished (or the app started configured): straight to a till ready to charge. */
  async enterCashier(info: AppInfo): Promise<void> {
    this.info = info;
    this.screen = "cashier";
    await Promise.all([this.refreshWallet(), this.refreshChains()]);
  }

  async refreshWallet(): Promise<void> {
    try {
      this.wallet = await this.backend.walletStatus();
    } catch {
      this.wallet = null;
    }
  }

  async refreshChains(): Promise<void> {
    if (this.screen === "setup" || this.screen === "loading") return;
    try {
      this.chains = await this.backend.chainStatus();
    } catch {
      this.chains = [];
    }
    this.chainsLoaded = true;
  }

  /** Saved settings apply live: re-read what the cashier screen shows. */
  async reloadInfo(): Promise<void> {
    this.info = await this.backend.appInfo();
    await this.refreshChains();
  }

  /** The cashier asks for the owner's screens: straight in when unlocked, else the PIN. */
  async openDashboard(): Promise<void> {
    let unlocked = false;
    try {
      unlocked = await this.backend.ownerUnlocked();
    } catch {
      unlocked = false;
    }
    if (unlocked) this.screen = "dashboard";
    else this.pinOpen = true;
  }

  /** An owner command answered `locked`: ask for the PIN again. */
  needPin(): void {
    this.pinOpen = true;
  }

  unlocked(): void {
    this.pinOpen = false;
    this.unlocks++;
    this.screen = "dashboard";
  }

  /** PIN dialog dismissed: owner screens stay closed. */
  pinCanceled(): void {
    this.pinOpen = false;
    if (this.screen === "dashboard") this.screen = "cashier";
  }

  /** Locks the owner functions and returns to the till. */
  async lock(): Promise<void> {
    try {
      await this.backend.lock();
    } finally {
      this.screen = "cashier";
    }
  }
}
