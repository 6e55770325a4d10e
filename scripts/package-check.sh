#!/usr/bin/env bash
# Proves the .deb on a clean system: a minimal Debian 12 root (debootstrap), in which
# `apt-get install ./chaintill_*.deb` must pull every dependency, the installed
# `chaintill --version` must answer with the package's version, and the installed app must open
# its window under Xvfb and keep it open (its first screen: the setup wizard).
#
# Usage: scripts/package-check.sh path/to/Chaintill_<version>_amd64.deb   (as root)
set -euo pipefail

deb=$(realpath "$1")
version=$(dpkg-deb -f "$deb" Version)
root=${PACKAGE_ROOT:-/tmp/chaintill-deb12}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

command -v debootstrap >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
}
if [ ! -x "$root/usr/bin/apt-get" ]; then
  echo "Making a minimal Debian 12 root in $root…"
  rm -rf "$root"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
fi

mounted=()
cleanup() {
  for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
}
trap cleanup EXIT
for m in proc sys dev dev/pts; do
  mount --bind "/$m" "$root/$m"
  mounted=("$root/$m" "${mounted[@]}")
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/chaintill.deb"

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }

echo "Installing the package and what it depends on…"
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /tmp/chaintill.deb >/dev/null

answered=$(in_root chaintill --version)
echo "chaintill --version: $answered"
[ "$answered" = "chaintill $version" ] || { echo "expected 'chaintill $version'"; exit 1; }

echo "Opening the installed app under Xvfb…"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb xauth x11-utils >/dev/null
in_root bash -c '
  set -e
  export XDG_RUNTIME_DIR=/tmp/runtime; mkdir -p -m 0700 $XDG_RUNTIME_DIR
  Xvfb :77 -screen 0 1280x800x24 >/dev/null 2>&1 & xvfb=$!
  export DISPLAY=:77
  sleep 1
  dbus-run-session -- chaintill >/tmp/app.log 2>&1 & app=$!
  for i in $(seq 1 60); do
    if xwininfo -root -tree 2>/dev/null | grep -q "\"Chaintill\""; then
      sleep 2
      if kill -0 $app 2>/dev/null; then
        echo "the window is open"; kill $app; kill $xvfb
        # The data in the OS app-data folder, the log in the OS log folder, never beside the binary.
        test -f /root/.local/share/chaintill/chaintill.db || { echo "no database in ~/.local/share/chaintill"; exit 1; }
        test -f /root/.local/state/chaintill/chaintill.log || { echo "no log in ~/.local/state/chaintill"; exit 1; }
        ! ls /usr/bin | grep -q "chaintill\\.\\(db\\|log\\|toml\\)" || { echo "files beside the binary"; exit 1; }
        echo "data in ~/.local/share/chaintill, log in ~/.local/state/chaintill"
        exit 0
      fi
    fi
    sleep 0.5
  done
  echo "no window; the app said:"; cat /tmp/app.log; kill $xvfb; exit 1
'
echo "package check passed: $(basename "$deb") on a clean Debian 12"
