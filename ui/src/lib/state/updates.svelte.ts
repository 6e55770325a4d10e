// "Check for updates" in settings: the offer the daily check found, a check now, and the
// install the owner confirms (the engine refuses both while a sale is open on the till).
import type { UpdateOffer } from "../gen/ipc";
import { toIpcError, type Backend } from "../ipc";

export type UpdatePhase = "idle" | "checking" | "current" | "offered" | "installing";

export class UpdatesModel {
  offer = $state.raw<UpdateOffer | null>(null);
  phase = $state<UpdatePhase>("idle");
  /** Why the last check or install was refused, in words. */
  error = $state<string | null>(null);

  private readonly backend: Backend;
  private readonly onlocked: () => void;

  constructor(backend: Backend, onlocked: () => void) {
    this.backend = backend;
    this.onlocked = onlocked;
  }

  /** What the daily check found, without asking the feed. */
  async load(): Promise<void> {
    try {
      this.show(await this.backend.updateOffer(), "idle");
    } catch (e) {
      this.refused(e);
    }
  }

  async check(): Promise<void> {
    this.phase = "checking";
    this.error = null;
    try {
      this.show(await this.backend.updateCheck(), "current");
    } catch (e) {
      this.phase = this.offer ? "offered" : "idle";
      this.refused(e);
    }
  }

  /** Downloads, verifies and installs; on success the app restarts into the new version. */
  async install(): Promise<void> {
    if (!this.offer) return;
    this.phase = "installing";
    this.error = null;
    try {
      await this.backend.updateInstall();
    } catch (e) {
      this.phase = "offered";
      this.refused(e);
    }
  }

  private show(offer: UpdateOffer | null, otherwise: UpdatePhase) {
    this.offer = offer;
    this.phase = offer ? "offered" : otherwise;
  }

  private refused(e: unknown) {
    const err = toIpcError(e);
    if (err.code === "locked") this.onlocked();
    else this.error = err.message;
  }
}
