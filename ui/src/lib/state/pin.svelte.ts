// The owner PIN dialog: one attempt at a time, and the engine's growing delay after a wrong PIN.
import { toIpcError, type Backend } from "../ipc";

export class PinModel {
  pin = $state("");
  error = $state<string | null>(null);
  busy = $state(false);
  now = $state(Date.now());
  /** When the engine accepts the next attempt (ms since epoch); 0 = now. */
  waitUntil = $state(0);

  private readonly backend: Backend;

  constructor(backend: Backend) {
    this.backend = backend;
  }

  get waitSecs(): number {
    return Math.max(0, Math.ceil((this.waitUntil - this.now) / 1000));
  }

  get canSubmit(): boolean {
    return this.pin.length > 0 && !this.busy && this.waitSecs === 0;
  }

  /** Ticks the wait countdown; returns the function that stops. */
  start(): () => void {
    const t = setInterval(() => (this.now = Date.now()), 250);
    return () => clearInterval(t);
  }

  /** True when the PIN opened the owner functions. */
  async submit(): Promise<boolean> {
    if (!this.canSubmit) return false;
    this.busy = true;
    try {
      await this.backend.pinUnlock(this.pin);
      this.pin = "";
      this.error = null;
      this.waitUntil = 0;
      return true;
    } catch (e) {
      const err = toIpcError(e);
      this.pin = "";
      this.error = err.message;
      this.now = Date.now();
      this.waitUntil = err.retryAfterSecs ? this.now + err.retryAfterSecs * 1000 : 0;
      return false;
    } finally {
      this.busy = false;
    }
  }
}
