// The real Chaintill window driven through tauri-driver + WebKitWebDriver (plain WebDriver over
// HTTP, no client library), shared by the e2e tests and the window benchmark.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { freePort, until } from "./devnet.mjs";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const SHOTS = path.join(ROOT, "docs/screenshots");
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

/** Starts tauri-driver in its own process group (with WebKitWebDriver and the app under test),
 *  so `stop` ends all of them: an app left running keeps the runner's output pipe open. */
async function startDriver(env) {
  const port = await freePort();
  const nativePort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  });
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    if (await fetch(`${base}/status`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    stop() {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    },
  };
}

/** One app window session, through its own tauri-driver started with `env`. */
export class Window {
  constructor(env = {}) {
    this.env = env;
    this.driver = null;
    this.sid = null;
  }

  get base() {
    return this.driver.base;
  }

  async wd(method, url, body) {
    const res = await fetch(`${this.base}${url}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${url}: ${JSON.stringify(json.value)}`);
    return json.value;
  }

  /** Launches the app (`args` after the binary) and sizes its window.
   *  Now and then WebKitWebDriver never hears from a freshly launched app (seen once in CI on a
   *  2-core machine: tauri-driver's proxy gave up after 36 s and the whole window suite failed in
   *  its first hook): that attempt's driver, WebKitWebDriver and app are ended together and the
   *  launch is tried once more on new ones. */
  async open(bin, args = [], size = { width: 1024, height: 768 }) {
    for (let attempt = 1; ; attempt++) {
      this.driver ??= await startDriver(this.env);
      try {
        const session = await this.wd("POST", "/session", {
          capabilities: { alwaysMatch: { "tauri:options": { application: bin, args } } },
        });
        this.sid = session.sessionId;
        break;
      } catch (e) {
        this.stop();
        if (attempt === 2) throw new Error(`the app's window did not open twice: ${e.message}`);
        console.error(`the app's window did not open (${e.message}); trying once more on a new driver`);
      }
    }
    await this.wd("POST", `/session/${this.sid}/window/rect`, size);
  }

  /** Ends the driver, WebKitWebDriver and any app they started. */
  stop() {
    this.driver?.stop();
    this.driver = null;
    this.sid = null;
  }

  async close() {
    if (this.sid) await this.wd("DELETE", `/session/${this.sid}`).catch(() => {});
    this.sid = null;
  }

  s(url) {
    return `/session/${this.sid}${url}`;
  }

  async until(what, fn, timeoutMs = 30_000, everyMs = 200) {
    return until(what, fn, { timeoutMs, everyMs, onTimeout: (w) => this.dump(w) });
  }

  /** On a failure, keeps what the window showed for the person reading the CI log. */
  async dump(what) {
    const dir = path.join(ROOT, "test-artifacts");
    mkdirSync(dir, { recursive: true });
    const name = what.replace(/[^a-z0-9]+/gi, "-");
    try {
      writeFileSync(path.join(dir, `${name}.png`), Buffer.from(await this.wd("GET", this.s("/screenshot")), "base64"));
      writeFileSync(path.join(dir, `${name}.html`), await this.wd("GET", this.s("/source")));
    } catch (e) {
      console.error(`could not capture the window: ${e.message}`);
    }
  }

  async find(css) {
    return (await this.wd("POST", this.s("/element"), { using: "css selector", value: css }))[ELEMENT];
  }
  async findAll(css) {
    return (await this.wd("POST", this.s("/elements"), { using: "css selector", value: css })).map((e) => e[ELEMENT]);
  }
  async click(css) {
    return this.wd("POST", this.s(`/element/${await this.find(css)}/click`), {});
  }
  async type(css, text) {
    return this.wd("POST", this.s(`/element/${await this.find(css)}/value`), { text });
  }
  async clear(css) {
    return this.wd("POST", this.s(`/element/${await this.find(css)}/clear`), {});
  }
  async text(css) {
    return this.wd("GET", this.s(`/element/${await this.find(css)}/text`));
  }
  /** A key pressed with the focus wherever it is (WebDriver sends it to the body). */
  async key(k) {
    return this.wd("POST", this.s(`/element/${await this.find("body")}/value`), { text: k });
  }
  status() {
    return this.text("[data-testid=status]");
  }
  /** Runs `script` (an async function body taking `done`) in the page; returns what it passes to `done`. */
  async run(script, args = []) {
    return this.wd("POST", this.s("/execute/async"), { script, args });
  }
  /** Saves a screenshot of the window as docs/screenshots/<name>.png. */
  async shot(name) {
    mkdirSync(SHOTS, { recursive: true });
    // After two frames: what the DOM holds is painted, not the frame before it.
    await this.run("const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done()));");
    writeFileSync(path.join(SHOTS, `${name}.png`), Buffer.from(await this.wd("GET", this.s("/screenshot")), "base64"));
  }

  /** The wizard's import path on the local devnet: `onStep(name)` is called on each step (for
   *  screenshots or checks), `beforeImport` may try wrong input first. */
  async setUpShop({ phrase, storeName, rpcPort, pin, onStep = async () => {}, beforeImport = async () => {} }) {
    await this.until("the wizard", () => this.find("[data-testid=setup]"));
    await onStep("welcome");
    await this.click("[data-testid=setup-import]");
    await beforeImport();
    await this.clear("[data-testid=setup-phrase]");
    await this.type("[data-testid=setup-phrase]", phrase);
    await this.click("[data-testid=setup-till-no]");
    await this.click("[data-testid=setup-next]");
    await this.setUpStore({ storeName, rpcPort, pin, onStep });
  }

  /** The wizard's PIN step (typed twice), ending on the review. */
  async setUpPin(pin) {
    await this.until("PIN step", () => this.find("[data-testid=setup-pin]"));
    await this.type("[data-testid=setup-pin]", pin);
    await this.type("[data-testid=setup-pin-repeat]", pin);
    await this.click("[data-testid=setup-next]");
    await this.until("review", () => this.find("[data-testid=setup-finish]"));
  }

  /** Fills a custom network's fields and node URL in the form whose test ids start with `prefix`. */
  async fillCustomNetwork(prefix, { chainId, name, symbol, rate, port }) {
    await this.until("custom fields", () => this.find(`[data-testid=${prefix}-custom-chain-id]`));
    const fields = { "custom-chain-id": chainId, "custom-name": name, "custom-symbol": symbol, "custom-rate": rate, "rpc-url": `ws://127.0.0.1:${port}` };
    for (const [field, value] of Object.entries(fields)) {
      await this.clear(`[data-testid=${prefix}-${field}]`);
      await this.type(`[data-testid=${prefix}-${field}]`, value);
    }
  }

  /** The wizard's steps after the wallet: store, network (tested live), PIN, finish. */
  async setUpStore({ storeName, rpcPort, pin, onStep = async () => {} }) {
    await this.until("store step", () => this.find("[data-testid=setup-store-name]"));
    await this.clear("[data-testid=setup-store-name]");
    await this.type("[data-testid=setup-store-name]", storeName);
    await onStep("store");
    await this.click("[data-testid=setup-next]");
    await this.until("network step", () => this.find("[data-testid=setup-network]"));
    await this.click("[data-testid=setup-network] option[value=local]");
    await this.clear("[data-testid=setup-rpc-url]");
    await this.type("[data-testid=setup-rpc-url]", `ws://127.0.0.1:${rpcPort}`);
    await this.click("[data-testid=setup-rpc-test]");
    await this.until("the node's answer", async () => /31337/.test(await this.text("[data-testid=setup-rpc-result]")));
    await onStep("network");
    await this.click("[data-testid=setup-next]");
    await this.setUpPin(pin);
    await this.click("[data-testid=setup-finish]");
    await this.until("the cashier screen", () => this.find("[data-testid=amount]"));
  }
}
