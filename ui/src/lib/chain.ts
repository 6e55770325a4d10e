// Whether the till can see payments on a network now (SPEC §9 "Chain down"): never charge blind.
import type { ChainStatus, SaleView } from "./gen/ipc";

/** A watcher behind the head for longer than this sees payments too late to charge on. */
export const BEHIND_LIMIT_MS = 60_000;

export type ChainDown = {
  /** One line: what is wrong ("Local devnet's node does not answer"). */
  reason: string;
};

/** Why payments on `network` cannot be seen now, or null when they can. Nothing known yet (the
 *  engine starting, a network just added) is not "down": the watcher reports within seconds. */
export function chainDown(chains: ChainStatus[], network: string, name: string, now: number): ChainDown | null {
  const c = chains.find((s) => s.network === network);
  if (!c) return null;
  if (!c.connected) return { reason: `${name}'s node does not answer` };
  const lag = c.lag ?? 0;
  if (lag > 0) {
    const caughtUp = c.caughtUpAt ? Date.parse(c.caughtUpAt) : NaN;
    if (!(now - caughtUp <= BEHIND_LIMIT_MS)) {
      return { reason: `Chaintill is ${lag} block${lag === 1 ? "" : "s"} behind ${name} and still catching up` };
    }
  }
  return null;
}

/** Why an open sale's payment may show late (its network is not watched now); null for a sale
 *  that can no longer change, or none. */
export function saleChainDown(chains: ChainStatus[], view: SaleView | null, now: number): ChainDown | null {
  return view && view.open ? chainDown(chains, view.session.network.id, view.session.network.name, now) : null;
}
