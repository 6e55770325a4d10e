// Calls behind the owner PIN: a `locked` answer asks for the PIN again (the engine locked the
// owner functions meanwhile), every other refusal comes back as an `IpcError` to show.
import { toIpcError, type Backend, type IpcError } from "../ipc";

export type Result<T> = { ok: true; value: T } | { ok: false; error: IpcError };

export class OwnerCalls {
  readonly backend: Backend;
  private readonly onLocked: () => void;

  constructor(backend: Backend, onLocked: () => void) {
    this.backend = backend;
    this.onLocked = onLocked;
  }

  async run<T>(f: (b: Backend) => Promise<T>): Promise<Result<T>> {
    try {
      return { ok: true, value: await f(this.backend) };
    } catch (e) {
      const error = toIpcError(e);
      if (error.code === "locked") this.onLocked();
      return { ok: false, error };
    }
  }
}

/** What a refusal says to people (nothing for `locked`: the PIN dialog says it). */
export const shown = (e: IpcError): string | null => (e.code === "locked" ? null : e.message);
