#!/usr/bin/env bash
# `make demo`: a local devnet (anvil) and a demo shop in .demo/, then the window or the engine.
set -euo pipefail
cd "$(dirname "$0")/.."
headless=""
[ "${1:-}" = "--headless" ] && headless=1
demo_dir="${DEMO_DIR:-$PWD/.demo}"
mkdir -p "$demo_dir"
bin="$PWD/target/debug/chaintill"

# The local devnet of the demo config (chain 31337 on port 8545).
if ! (exec 3<>/dev/tcp/127.0.0.1/8545) 2>/dev/null; then
  echo "Starting anvil (local devnet) on 127.0.0.1:8545; log in $demo_dir/anvil.log"
  nohup "$PWD/node_modules/.bin/anvil" --port 8545 --block-time 2 >"$demo_dir/anvil.log" 2>&1 &
fi

args=(--data-dir "$demo_dir" demo)
[ -n "$headless" ] && args+=(--headless)
if [ -z "$headless" ] && [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "No display found. Run 'make demo HEADLESS=1' for the engine without a window." >&2
  exit 1
fi
if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ -z "$headless" ]; then
  # A desktop session: use its own keychain.
  exec "$bin" "${args[@]}"
fi
# No desktop session (a server, CI): a keyring of the demo's own, unlocked with a demo password.
if [ -n "$headless" ]; then
  cat <<TXT
Headless demo. While it runs, try in another terminal:
  export CHAINTILL_DATA_DIR=$demo_dir
  $bin sessions create --amount 12.50
  $bin sessions list
  $bin keys create --mode test
TXT
fi
exec scripts/with-keyring.sh --keyring-dir "$demo_dir/keyring" --password demo -- "$bin" "${args[@]}"
