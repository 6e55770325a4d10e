// Shared by the e2e tests: free ports and a real anvil devnet whose funded accounts are not the
// shop's addresses (another mnemonic than the shop's test phrase).
import { spawn } from "node:child_process";
import path from "node:path";
import net from "node:net";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** A TCP port nobody listens on right now. */
export async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts anvil; resolves once it answers. `rpc` talks to it as a customer's wallet would. */
export async function startDevnet({ chainId = 31337 } = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(path.join(ROOT, "node_modules/.bin/anvil"), [
    "--port", String(port),
    "--mnemonic", "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    "--chain-id", String(chainId),
  ], { stdio: "ignore" });
  async function rpc(method, params = []) {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const json = await res.json();
    if (json.error) throw new Error(`${method}: ${json.error.message}`);
    return json.result;
  }
  const end = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await rpc("eth_chainId")) === "0x" + chainId.toString(16)) break;
    } catch {
      if (Date.now() > end) throw new Error("anvil did not start within 30 s");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, url, rpc, kill: () => child.kill() };
}

/** Polls `fn` until it returns something truthy (which is returned), or throws after `timeoutMs`
 *  with the last error; `onTimeout(what)` may keep evidence first. */
export async function until(what, fn, { timeoutMs = 30_000, everyMs = 100, onTimeout = async () => {} } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  await onTimeout(what);
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

/** A TCP relay to `targetPort` on 127.0.0.1 that a test can cut (every connection dropped, new
 *  ones refused: the node is down) and restore on the same port. */
export async function startRelay(targetPort) {
  const port = await freePort();
  const sockets = new Set();
  let server = null;
  const keep = (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
  };
  const listen = () =>
    new Promise((resolve) => {
      server = net
        .createServer((client) => {
          const upstream = net.connect(targetPort, "127.0.0.1");
          keep(client);
          keep(upstream);
          client.pipe(upstream);
          upstream.pipe(client);
          client.on("close", () => upstream.destroy());
          upstream.on("close", () => client.destroy());
        })
        .listen(port, "127.0.0.1", resolve);
    });
  await listen();
  return {
    port,
    async cut() {
      const closed = new Promise((r) => server.close(r));
      for (const s of sockets) s.destroy();
      await closed;
    },
    restore: listen,
    /** Ends the relay for good (a listening server keeps the test process alive). */
    close() {
      return this.cut();
    },
  };
}
