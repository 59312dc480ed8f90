#!/usr/bin/env bash
# Makes sure Debian packages are installed, installing only the missing ones. Used by every test
# set-up (integration: redis-server; e2e: chromium and code-server's build tools), so `npm test` on
# a fresh machine needs nothing installed by hand.
#   bash test/setup/apt-ensure.sh PACKAGE...
set -euo pipefail
tag="${APT_ENSURE_TAG:-setup}"
log() { printf '[%s] %s\n' "$tag" "$*"; }

missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  log "apt: $* already installed"
  exit 0
fi

start=$(date +%s)
log "apt: installing ${missing[*]} (once; later runs skip this)"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
# Another apt may be running on a shared machine: wait for its lock instead of failing.
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
# policy-rc.d 101: packages with a service (redis-server) must not start it. The tests start their
# own server on a free loopback port, and a stray one on the default port could answer for them.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  trap '$SUDO rm -f "$policy"' EXIT
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
  --no-install-recommends "${missing[@]}" >/dev/null
log "apt: done in $(($(date +%s) - start))s"
