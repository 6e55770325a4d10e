# Chaintill: `make demo` to try it, `make test` to check it, `make bench` to measure it.
# Every target installs what it needs first (apt packages as root, npm packages, cargo tools).

SHELL := /bin/bash
.DEFAULT_GOAL := help
ROOT := $(CURDIR)
export PATH := $(ROOT)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

# Debug builds that serve ui/dist from the binary (as `tauri build` does).
FEATURES := --features custom-protocol
APT_PACKAGES := pkg-config libssl-dev libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev \
  librsvg2-dev libayatana-appindicator3-dev xvfb xauth webkit2gtk-driver gnome-keyring dbus-x11 \
  chromium zbar-tools
DEMO_DIR ?= $(ROOT)/.demo

.PHONY: release package package-check help deps apt-deps npm-deps cargo-tools ui build demo test lint test-rust test-ui test-e2e soak fuzz bench bench-window clean fixture

help:
	@echo "make demo        install everything, set up a demo shop on a local devnet, open the app"
	@echo "make demo HEADLESS=1   the same without a window (runs 'chaintill serve')"
	@echo "make test        install everything and run every check and test"
	@echo "make bench       measure the engine"
	@echo "make soak        the long soak: 300 sessions, 12 SIGKILLs, every fault (SOAK_SEED=n)"
	@echo "make fuzz        every boundary that reads outside data, with many more cases than make test"
	@echo "make package     the release app as a .deb and an .rpm (target/release/bundle/)"
	@echo "make package-check   install the .deb in a clean Debian 12 root and open it"

deps: apt-deps npm-deps cargo-tools

apt-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing apt packages:" $$missing; \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null; \
	fi

# `npm install`, not `npm ci`: npm omits other platforms' optional packages (@tauri-apps/cli-*)
# from lock files written here, and `npm ci` then refuses them as out of sync.
npm-deps: node_modules/.installed ui/node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm install --no-audit --no-fund --loglevel=error
	@touch $@

ui/node_modules/.installed: ui/package.json ui/package-lock.json
	cd ui && npm install --no-audit --no-fund --loglevel=error
	@touch $@

cargo-tools:
	@command -v tauri-driver >/dev/null || cargo install tauri-driver --locked

ui: npm-deps
	cd ui && npm run build

build: deps ui
	cargo build $(FEATURES)

demo: build
	@scripts/demo.sh $(if $(HEADLESS),--headless)

test: deps lint test-ui test-rust test-e2e
	@echo "All checks and tests passed."

lint: ui
	cargo fmt --all --check
	cd ui && npm run check
	cargo clippy $(FEATURES) --all-targets -- -D warnings
	cargo clippy --no-default-features --all-targets -- -D warnings
	# The headless engine builds with no GTK/WebKit.
	cargo build --no-default-features

test-ui: npm-deps
	cd ui && npm test

# Rust unit and integration tests, against a real Secret Service.
# The tests also write ui/src/lib/gen/ipc.ts from the Rust IPC types: a difference from the
# committed file means the UI was type-checked against stale types.
test-rust: ui
	scripts/with-keyring.sh -- cargo test $(FEATURES)
	@git diff --quiet -- ui/src/lib/gen || { git diff --stat -- ui/src/lib/gen; \
	  echo "ui/src/lib/gen is stale: the Rust IPC types changed; commit the regenerated file"; exit 1; }

# The real window under Xvfb, driven through tauri-driver; keeps docs/screenshots/.
# `cargo test --no-run` builds the same binary as test-rust (same feature resolution, no rebuild).
test-e2e: deps ui
	cargo test $(FEATURES) --no-run
	xvfb-run -a -s "-screen 0 1920x1080x24" scripts/with-keyring.sh -- node --test tests/e2e/

# The long soak (make test runs the same test with 40 sessions and 2 SIGKILLs).
soak: deps ui
	SOAK_SESSIONS=$${SOAK_SESSIONS:-300} SOAK_KILLS=$${SOAK_KILLS:-12} \
	  scripts/with-keyring.sh -- cargo test $(FEATURES) --test integration soak:: -- --nocapture

# Longer fuzzing than make test's: config, amounts, phrases, PINs, Retry-After answers, the
# node's JSON-RPC answers (proptest), and the API's bodies and query strings over real HTTP.
fuzz: deps ui
	PROPTEST_CASES=$${PROPTEST_CASES:-50000} scripts/with-keyring.sh -- cargo test $(FEATURES) --lib fuzz
	FUZZ_CASES=$${FUZZ_CASES:-20000} scripts/with-keyring.sh -- cargo test $(FEATURES) --test integration api_fuzz

# Every figure in one table (docs/BENCHMARKS.md): each program runs BENCH_RUNS times and the
# report takes medians (scripts/bench-report.py).
BENCH_RUNS ?= 3
bench: deps ui
	@$(MAKE) --no-print-directory apt-deps APT_PACKAGES=wrk
	cargo build --release --no-default-features --example bench
	cargo build --release $(FEATURES)
	@mkdir -p target/bench && rm -f target/bench/*.log
	@set -o pipefail; for i in $$(seq $(BENCH_RUNS)); do \
	  echo "== bench run $$i of $(BENCH_RUNS)"; \
	  scripts/with-keyring.sh -- target/release/examples/bench | tee target/bench/engine-$$i.log || exit 1; \
	  xvfb-run -a -s "-screen 0 1920x1080x24" scripts/with-keyring.sh -- node scripts/bench-window.mjs \
	    | tee target/bench/window-$$i.log || exit 1; \
	done
	python3 scripts/bench-report.py target/bench/*.log

# The window's figures: cold start, Enter → QR painted, idle memory (release build, Xvfb).
bench-window: deps ui
	cargo build --release $(FEATURES)
	xvfb-run -a -s "-screen 0 1920x1080x24" scripts/with-keyring.sh -- node scripts/bench-window.mjs

clean:
	rm -rf target ui/dist test-artifacts

# Writes tests/fixtures/data-0.1.0 (the data folder of a released version that the upgrade
# test opens): run once per release, then commit it.
fixture: build
	rm -rf tests/fixtures/data-0.1.0
	scripts/with-keyring.sh -- cargo test $(FEATURES) --test integration -- --ignored make_release_fixture

# The release app as packages (Tauri's bundler, offline). AppImage is left out: its tools are
# downloaded from GitHub at build time (see the README).
# Without TAURI_SIGNING_PRIVATE_KEY the packages are built unsigned (for trying them out);
# `make release` signs them and writes the update feed.
package: deps ui
	ui/node_modules/.bin/tauri build --bundles deb,rpm \
	  $(if $(TAURI_SIGNING_PRIVATE_KEY),,--config '{"bundle":{"createUpdaterArtifacts":false}}')
	@ls -l target/release/bundle/deb/*.deb target/release/bundle/rpm/*.rpm

# A signed release: the .deb and .rpm with their .sig files, and latest.json for the feed.
#   TAURI_SIGNING_PRIVATE_KEY=~/.tauri/chaintill.key RELEASE_URL=https://…/0.2.0 NOTES=NOTES.md make release
RELEASE_URL ?=
NOTES ?=
release: deps ui
	@test -n "$$TAURI_SIGNING_PRIVATE_KEY" || { echo "release: set TAURI_SIGNING_PRIVATE_KEY (README: Releases)"; exit 2; }
	@test -n "$(RELEASE_URL)" || { echo "release: set RELEASE_URL, the https:// folder the packages will be published in"; exit 2; }
	rm -f target/release/bundle/deb/*.deb* target/release/bundle/rpm/*.rpm*
	ui/node_modules/.bin/tauri build --bundles deb,rpm
	node scripts/release-feed.mjs --version $$(node -p 'require("./tauri.conf.json").version') \
	  --base-url "$(RELEASE_URL)" $(if $(NOTES),--notes-file "$(NOTES)") \
	  --deb $$(ls target/release/bundle/deb/*.deb) --rpm $$(ls target/release/bundle/rpm/*.rpm) \
	  > target/release/bundle/latest.json
	@echo "Publish to $(RELEASE_URL): target/release/bundle/deb/*.deb target/release/bundle/rpm/*.rpm;"
	@echo "then target/release/bundle/latest.json at the feed URL (tauri.conf.json plugins.updater.endpoints)."

# Proves the .deb on a clean Debian 12 root (needs root and the Debian mirror).
package-check: package
	scripts/package-check.sh $$(ls target/release/bundle/deb/*.deb | head -1)
