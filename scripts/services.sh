#!/usr/bin/env bash
# Local Redis and MongoDB-protocol (FerretDB on SQLite) services for tests and development.
#
#   scripts/services.sh start    install if missing, start both on loopback, wait until they answer,
#                                print REDIS_URL=... and MONGO_URL=... lines
#   scripts/services.sh stop     stop both
#   scripts/services.sh status   report each service (exit 0 only if both answer)
#   scripts/services.sh env      print the URLs as shell exports: eval "$(scripts/services.sh env)"
#
# Environment:
#   REDIS_PORT    Redis port (default 6379)
#   MONGO_PORT    FerretDB port (default 27017)
#   SERVICES_DIR  state directory (pid files, logs, SQLite files); default: a mktemp directory.
#                 The directory in use is remembered in .services/state so stop/status/env find it.
#   GO            Go toolchain binary (default: `go` on PATH, else /usr/local/go/bin/go)
#
# Nothing here talks to the network at run time: both servers listen on 127.0.0.1 only, FerretDB's
# telemetry, debug HTTP listener and trace exporter are all switched off, and DO_NOT_TRACK=1 is set.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="$ROOT/.services"
STATE_FILE="$CACHE_DIR/state"
FERRETDB_VERSION="v1.24.2"
FERRETDB_MODULE="github.com/FerretDB/FerretDB"
WAIT_TIMEOUT="${SERVICES_WAIT_TIMEOUT:-60}"
DB_NAME="screeps"

log() { printf 'services: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# State directory and ports

# state_dir [create]: prints the state directory; with "create", makes one if none is known yet.
state_dir() {
  local dir=""
  if [[ -n "${SERVICES_DIR:-}" ]]; then
    dir="$SERVICES_DIR"
  elif [[ -f "$STATE_FILE" ]]; then
    dir="$(<"$STATE_FILE")"
    [[ -d "$dir" ]] || dir=""
  fi
  if [[ -z "$dir" ]]; then
    [[ "${1:-}" == "create" ]] || return 1
    dir="$(mktemp -d "${TMPDIR:-/tmp}/screeps-services.XXXXXX")"
  fi
  if [[ "${1:-}" == "create" ]]; then
    mkdir -p "$dir" "$CACHE_DIR"
    dir="$(cd "$dir" && pwd)"
    printf '%s\n' "$dir" >"$STATE_FILE"
  fi
  printf '%s\n' "$dir"
}

# port_of NAME DEFAULT ENVVALUE: explicit env wins, then the port recorded at start, then the default.
port_of() {
  local name="$1" default="$2" env_value="$3" dir
  if [[ -n "$env_value" ]]; then printf '%s\n' "$env_value"; return; fi
  if dir="$(state_dir)" && [[ -f "$dir/$name.port" ]]; then cat "$dir/$name.port"; return; fi
  printf '%s\n' "$default"
}

redis_port() { port_of redis 6379 "${REDIS_PORT:-}"; }
mongo_port() { port_of ferretdb 27017 "${MONGO_PORT:-}"; }

redis_url() { printf 'redis://127.0.0.1:%s\n' "$(redis_port)"; }
mongo_url() { printf 'mongodb://127.0.0.1:%s/%s\n' "$(mongo_port)" "$DB_NAME"; }

# ---------------------------------------------------------------------------------------------
# Process helpers

# pid_alive PIDFILE PATTERN: prints the pid if the process is alive and its command line matches.
pid_alive() {
  local pidfile="$1" pattern="$2" pid cmdline
  [[ -f "$pidfile" ]] || return 1
  pid="$(tr -dc '0-9' <"$pidfile")"
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *"$pattern"* ]] || return 1
  printf '%s\n' "$pid"
}

# port_open PORT: true if something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

wait_pid_exit() {
  local pid="$1" i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# Installation

APT_UPDATED=0
as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

install_redis() {
  if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then return; fi
  log "installing redis-server (Debian package)"
  if [[ "$APT_UPDATED" -eq 0 ]]; then
    as_root apt-get update >&2
    APT_UPDATED=1
  fi
  # Keep the package's own service from starting on 6379 during installation, where an init
  # system would do that; this script runs its own instance. Only when no policy is in place.
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod +x "$policy"
    added_policy=1
  fi
  local rc=0
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server >&2 || rc=$?
  if [[ "$added_policy" -eq 1 ]]; then as_root rm -f "$policy"; fi
  [[ "$rc" -eq 0 ]] || die "apt-get install redis-server failed"
  command -v redis-server >/dev/null || die "redis-server still missing after install"
}

find_go() {
  if [[ -n "${GO:-}" ]]; then printf '%s\n' "$GO"; return; fi
  if command -v go >/dev/null; then command -v go; return; fi
  if [[ -x /usr/local/go/bin/go ]]; then printf '%s\n' /usr/local/go/bin/go; return; fi
  die "Go toolchain not found (set GO=/path/to/go)"
}

ferretdb_version_ok() {
  local out
  [[ -x "$1" ]] || return 1
  # Read all output first: `grep -q` in a pipeline may close it early, and with pipefail the
  # writer's SIGPIPE would fail the check.
  out="$("$1" --version 2>/dev/null)" || return 1
  grep -qx "version: $FERRETDB_VERSION" <<<"$out"
}

# Builds FerretDB from its module source. Plain `go install .../cmd/ferretdb@VERSION` is not used:
# it also asks the module proxy for the module's version list (to check deprecation), which a
# proxy may refuse, and its result panics at start because the module zip lacks the generated
# build/version/version.txt. So: download the module, copy it, write version.txt, build.
build_ferretdb() {
  local go out="$CACHE_DIR/bin/ferretdb" work src mod_dir start_s
  go="$(find_go)"
  log "building FerretDB $FERRETDB_VERSION with $("$go" version) (log: $CACHE_DIR/ferretdb-build.log)"
  # FerretDB 1.24 needs Go >= 1.24; an older go fetches that toolchain as a module (GOTOOLCHAIN=auto).
  local gov
  gov="$("$go" env GOVERSION)"
  gov="${gov#go}"
  if [[ "$(printf '%s\n1.24\n' "$gov" | sort -V | head -n 1)" != "1.24" ]]; then
    log "note: $go is go$gov; FerretDB needs go1.24 or newer, which Go will try to fetch"
  fi
  mkdir -p "$CACHE_DIR/bin"
  start_s=$SECONDS
  work="$(mktemp -d "$CACHE_DIR/build.XXXXXX")"
  src="$work/src"
  # errexit does not apply inside a command whose status is tested, so each step checks itself.
  if ! (
    # Outside any module, so nothing here depends on the project having a go.mod.
    mod_dir="$(cd "$work" && GOFLAGS='' GOWORK=off "$go" mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')" || exit 1
    [[ -n "$mod_dir" && -d "$mod_dir" ]] || { echo "go mod download reported no module directory"; exit 1; }
    cp -R "$mod_dir" "$src" && chmod -R u+w "$src" || exit 1
    printf '%s\n' "$FERRETDB_VERSION" >"$src/build/version/version.txt" || exit 1
    cd "$src" && GOWORK=off GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
      "$go" build -trimpath -o "$out.tmp" ./cmd/ferretdb
  ) >"$CACHE_DIR/ferretdb-build.log" 2>&1; then
    tail -n 30 "$CACHE_DIR/ferretdb-build.log" >&2
    rm -rf "$work"
    die "FerretDB build failed"
  fi
  rm -rf "$work"
  mv -f "$out.tmp" "$out"
  ferretdb_version_ok "$out" || die "built FerretDB does not report version $FERRETDB_VERSION"
  log "built FerretDB $FERRETDB_VERSION in $((SECONDS - start_s)) s"
}

# Prints the path of a FerretDB binary of exactly $FERRETDB_VERSION, building one if needed.
ferretdb_bin() {
  local local_bin="$CACHE_DIR/bin/ferretdb" gopath_bin go
  if ferretdb_version_ok "$local_bin"; then printf '%s\n' "$local_bin"; return; fi
  if go="$(find_go 2>/dev/null)"; then
    gopath_bin="$("$go" env GOPATH 2>/dev/null | cut -d: -f1)/bin/ferretdb"
    if ferretdb_version_ok "$gopath_bin"; then printf '%s\n' "$gopath_bin"; return; fi
  fi
  build_ferretdb
  printf '%s\n' "$local_bin"
}

# ---------------------------------------------------------------------------------------------
# Health checks

redis_ping() {
  [[ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" == "PONG" ]]
}

# With the project's mongodb driver installed, a real `ping` command; otherwise a TCP connect.
mongo_ping() {
  local port="$1"
  if [[ -d "$ROOT/node_modules/mongodb" ]] && command -v node >/dev/null; then
    # `timeout` bounds a server that accepts connections but never answers.
    (cd "$ROOT" && MONGO_PING_URL="mongodb://127.0.0.1:$port/" timeout 10 node -e '
      const { MongoClient } = require("mongodb");
      const c = new MongoClient(process.env.MONGO_PING_URL,
        { serverSelectionTimeoutMS: 1000, connectTimeoutMS: 1000, socketTimeoutMS: 5000 });
      c.connect()
        .then(() => c.db("admin").command({ ping: 1 }))
        .then((r) => c.close().then(() => process.exit(r.ok === 1 ? 0 : 1)))
        .catch(() => c.close().finally(() => process.exit(1)));
    ') >/dev/null 2>&1
  else
    port_open "$port"
  fi
}

# wait_for NAME CHECK PIDFILE PATTERN LOG: polls CHECK until it passes or WAIT_TIMEOUT expires.
wait_for() {
  local name="$1" check="$2" pidfile="$3" pattern="$4" logfile="$5" deadline=$((SECONDS + WAIT_TIMEOUT))
  while ((SECONDS < deadline)); do
    if eval "$check"; then return 0; fi
    if ! pid_alive "$pidfile" "$pattern" >/dev/null; then
      log "$name exited during start; last lines of $logfile:"
      tail -n 20 "$logfile" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.2
  done
  log "$name did not answer within $WAIT_TIMEOUT s; last lines of $logfile:"
  tail -n 20 "$logfile" >&2 2>/dev/null || true
  return 1
}

# ---------------------------------------------------------------------------------------------
# Commands

start_redis() {
  local dir="$1" port="$2"
  if pid_alive "$dir/redis.pid" redis-server >/dev/null; then
    log "redis already running (pid $(cat "$dir/redis.pid"), port $(cat "$dir/redis.port"))"
    [[ "$(cat "$dir/redis.port")" == "$port" ]] || die "redis runs on another port; stop first"
    return
  fi
  mkdir -p "$dir/redis"
  printf '%s\n' "$port" >"$dir/redis.port"
  redis-server --port "$port" --bind 127.0.0.1 --protected-mode yes \
    --save '' --appendonly no --daemonize yes \
    --dir "$dir/redis" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  # The daemon writes its pid file shortly after forking.
  local i
  for ((i = 0; i < 50; i++)); do [[ -s "$dir/redis.pid" ]] && break; sleep 0.1; done
}

start_ferretdb() {
  local dir="$1" port="$2" bin="$3"
  if pid_alive "$dir/ferretdb.pid" ferretdb >/dev/null; then
    log "ferretdb already running (pid $(cat "$dir/ferretdb.pid"), port $(cat "$dir/ferretdb.port"))"
    [[ "$(cat "$dir/ferretdb.port")" == "$port" ]] || die "ferretdb runs on another port; stop first"
    return
  fi
  mkdir -p "$dir/ferretdb" "$dir/ferretdb-state"
  printf '%s\n' "$port" >"$dir/ferretdb.port"
  # Drop any FERRETDB_* settings from the caller's environment so only the flags below apply.
  local unset_args=() v
  for v in $(compgen -e); do
    [[ "$v" == FERRETDB_* ]] && unset_args+=(-u "$v")
  done
  # No job control in this script, so the background child is not a process-group leader and
  # setsid runs ferretdb in place: $! is ferretdb's own pid.
  env "${unset_args[@]}" DO_NOT_TRACK=1 \
    setsid nohup "$bin" \
    --handler=sqlite \
    --sqlite-url="file:$dir/ferretdb/" \
    --listen-addr="127.0.0.1:$port" \
    --state-dir="$dir/ferretdb-state" \
    --telemetry=disable \
    --test-telemetry-url="http://127.0.0.1:9/" \
    --debug-addr=- \
    --otel-traces-url=- \
    --log-level=warn \
    </dev/null >>"$dir/ferretdb.log" 2>&1 &
  printf '%s\n' "$!" >"$dir/ferretdb.pid"
}

cmd_start() {
  install_redis
  local bin dir rport mport
  bin="$(ferretdb_bin)"
  dir="$(state_dir create)"
  rport="${REDIS_PORT:-6379}"
  mport="${MONGO_PORT:-27017}"
  log "state dir: $dir"
  # Check both ports before starting either, so a clash leaves nothing half-started.
  if ! pid_alive "$dir/redis.pid" redis-server >/dev/null && port_open "$rport"; then
    die "127.0.0.1:$rport is in use by another process (set REDIS_PORT)"
  fi
  if ! pid_alive "$dir/ferretdb.pid" ferretdb >/dev/null && port_open "$mport"; then
    die "127.0.0.1:$mport is in use by another process (set MONGO_PORT)"
  fi
  start_redis "$dir" "$rport"
  start_ferretdb "$dir" "$mport" "$bin"
  wait_for redis "redis_ping $rport" "$dir/redis.pid" redis-server "$dir/redis.log" ||
    die "redis did not start"
  wait_for ferretdb "mongo_ping $mport" "$dir/ferretdb.pid" ferretdb "$dir/ferretdb.log" ||
    die "ferretdb did not start"
  log "redis on 127.0.0.1:$rport (pid $(cat "$dir/redis.pid")), ferretdb on 127.0.0.1:$mport (pid $(cat "$dir/ferretdb.pid"))"
  printf 'REDIS_URL=redis://127.0.0.1:%s\n' "$rport"
  printf 'MONGO_URL=mongodb://127.0.0.1:%s/%s\n' "$mport" "$DB_NAME"
}

# Sends TERM, then KILL if the process has not exited in time.
terminate() {
  kill "$1" 2>/dev/null || true
  wait_pid_exit "$1" || kill -9 "$1" 2>/dev/null || true
}

cmd_stop() {
  local dir pid port
  if ! dir="$(state_dir)"; then
    log "nothing to stop (no state dir)"
    return
  fi
  if pid="$(pid_alive "$dir/redis.pid" redis-server)"; then
    port="$(cat "$dir/redis.port" 2>/dev/null || echo 6379)"
    redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
    wait_pid_exit "$pid" || terminate "$pid"
    log "redis stopped"
  else
    log "redis not running"
  fi
  rm -f "$dir/redis.pid"
  if pid="$(pid_alive "$dir/ferretdb.pid" ferretdb)"; then
    terminate "$pid"
    log "ferretdb stopped"
  else
    log "ferretdb not running"
  fi
  rm -f "$dir/ferretdb.pid"
}

cmd_status() {
  local dir="" ok=0 pid port
  dir="$(state_dir)" || dir=""
  log "state dir: ${dir:-none}"
  port="$(redis_port)"
  if [[ -n "$dir" ]] && pid="$(pid_alive "$dir/redis.pid" redis-server)"; then
    if command -v redis-cli >/dev/null && redis_ping "$port"; then
      echo "redis: running, pid $pid, $(redis_url), answers PING"
    else
      echo "redis: running, pid $pid, $(redis_url), NOT answering"; ok=1
    fi
  else
    echo "redis: stopped"; ok=1
  fi
  port="$(mongo_port)"
  if [[ -n "$dir" ]] && pid="$(pid_alive "$dir/ferretdb.pid" ferretdb)"; then
    if mongo_ping "$port"; then
      echo "ferretdb: running, pid $pid, $(mongo_url), answers ping"
    else
      echo "ferretdb: running, pid $pid, $(mongo_url), NOT answering"; ok=1
    fi
  else
    echo "ferretdb: stopped"; ok=1
  fi
  return "$ok"
}

cmd_env() {
  printf 'export REDIS_URL=%s\n' "$(redis_url)"
  printf 'export MONGO_URL=%s\n' "$(mongo_url)"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
    ;;
esac
