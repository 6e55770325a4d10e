import { describe, expect, it } from "vitest";
import type { ChainStatus } from "./gen/ipc";
import { BEHIND_LIMIT_MS, chainDown } from "./chain";

const NOW = Date.parse("2026-12-07T12:00:00Z");
const at = (msAgo: number) => new Date(NOW - msAgo).toISOString();
const status = (over: Partial<ChainStatus>): ChainStatus => ({
  network: "local",
  chainId: 31337,
  connected: true,
  rpcUrl: "ws://127.0.0.1:8545",
  head: 100,
  processed: 100,
  lag: 0,
  error: null,
  updatedAt: at(0),
  caughtUpAt: at(0),
  ...over,
});

describe("chainDown", () => {
  it("is null while the watcher is connected and caught up", () => {
    expect(chainDown([status({})], "local", "Local devnet", NOW)).toBeNull();
  });

  it("is null when nothing is known yet about the network", () => {
    expect(chainDown([], "local", "Local devnet", NOW)).toBeNull();
  });

  it("names a node that does not answer", () => {
    expect(chainDown([status({ connected: false })], "local", "Local devnet", NOW)?.reason).toBe("Local devnet's node does not answer");
  });

  it("allows a short lag, refuses one older than a minute", () => {
    expect(chainDown([status({ lag: 3, caughtUpAt: at(BEHIND_LIMIT_MS - 1000) })], "local", "L", NOW)).toBeNull();
    expect(chainDown([status({ lag: 3, caughtUpAt: at(BEHIND_LIMIT_MS + 1000) })], "local", "L", NOW)?.reason).toMatch(/3 blocks behind L/);
    expect(chainDown([status({ lag: 1, caughtUpAt: null })], "local", "L", NOW)?.reason).toMatch(/1 block behind/);
  });

  it("looks only at the sale's network", () => {
    const chains = [status({ network: "base", connected: false }), status({})];
    expect(chainDown(chains, "local", "Local devnet", NOW)).toBeNull();
    expect(chainDown(chains, "base", "Base", NOW)).not.toBeNull();
  });
});
