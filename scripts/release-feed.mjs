// Writes the release feed (`latest.json`, the static format tauri-plugin-updater reads) for a
// signed build: `make release` runs it after `tauri build` signed the .deb and the .rpm.
//
//   node scripts/release-feed.mjs --version 0.2.0 --notes-file NOTES.md \
//     --base-url https://releases.example/0.2.0 --deb path/to/x.deb --rpm path/to/x.rpm > latest.json
//
// Each package's signature is its `<package>.sig` file; its URL is base-url/<file name>.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const { values: a } = parseArgs({
  options: {
    version: { type: "string" },
    "notes-file": { type: "string" },
    "base-url": { type: "string" },
    deb: { type: "string" },
    rpm: { type: "string" },
  },
});

function fail(message) {
  console.error(`release-feed: ${message}`);
  process.exit(2);
}

if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(a.version ?? "")) fail("--version must be a semantic version (1.2.3)");
if (!/^https:\/\/[^/]+/.test(a["base-url"] ?? "")) fail("--base-url must be an https:// URL (the app refuses anything else)");
if (!a.deb && !a.rpm) fail("give --deb and/or --rpm");

function entry(pkg) {
  let signature;
  try {
    signature = readFileSync(`${pkg}.sig`, "utf8").trim();
  } catch {
    fail(`${pkg}.sig is missing: build with TAURI_SIGNING_PRIVATE_KEY set so tauri build signs the package`);
  }
  return { signature, url: `${a["base-url"].replace(/\/+$/, "")}/${encodeURIComponent(path.basename(pkg))}` };
}

const platforms = {};
if (a.deb) platforms["linux-x86_64-deb"] = entry(a.deb);
if (a.rpm) platforms["linux-x86_64-rpm"] = entry(a.rpm);
const feed = {
  version: a.version,
  notes: a["notes-file"] ? readFileSync(a["notes-file"], "utf8").trim() : "",
  pub_date: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
  platforms,
};
process.stdout.write(JSON.stringify(feed, null, 2) + "\n");
