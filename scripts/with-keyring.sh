#!/usr/bin/env bash
# Runs a command with a real Secret Service: a private D-Bus session bus and an unlocked
# gnome-keyring whose data lives in a directory of our own (never a keyring left from an
# earlier run with another password, which would stay locked and ask for a GUI).
#
#   scripts/with-keyring.sh [--keyring-dir DIR] [--password PW] -- command args…
set -euo pipefail
dir="" pw="chaintill-test"
while [ $# -gt 0 ]; do
  case "$1" in
    --keyring-dir) dir="$2"; shift 2 ;;
    --password) pw="$2"; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
if [ -z "$dir" ]; then
  dir=$(mktemp -d /tmp/chaintill-keyring.XXXXXX)
fi
mkdir -p "$dir"
export XDG_DATA_HOME="$dir"
export CHAINTILL_KEYRING_PASSWORD="$pw"
exec dbus-run-session -- bash -c '
  set -e
  # Starts the daemon on this bus, creating (or unlocking) the login keyring with the password.
  printf "%s" "$CHAINTILL_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  unset CHAINTILL_KEYRING_PASSWORD
  exec "$@"
' chaintill-keyring "$@"
