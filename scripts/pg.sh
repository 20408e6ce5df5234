#!/usr/bin/env bash
# A PostgreSQL server of our own, for development, tests and CI: installed from Debian if missing,
# initialised into a folder we choose, listening on 127.0.0.1 only, stopped again when asked.
#
#   scripts/pg.sh install                  install Debian's postgresql if initdb is missing
#   scripts/pg.sh start DIR [PORT]         initdb DIR (first time), start it, create the database
#                                          "callcenter"; prints the connection string on stdout
#   scripts/pg.sh stop DIR                 fast shutdown (also kills a server that will not stop)
#   scripts/pg.sh status DIR               exit 0 when the server in DIR runs
#   scripts/pg.sh url DIR                  prints the connection string of the server in DIR
#
# Without PORT a free port is chosen. Authentication is "trust" on loopback: this server is for
# development and tests, never for production (see docs/operations.md).
set -euo pipefail

die() { echo "pg.sh: $*" >&2; exit 2; }

pg_bin() {
  local candidate
  for candidate in /usr/lib/postgresql/*/bin; do
    if [[ -x "$candidate/initdb" ]]; then echo "$candidate"; fi
  done | sort -V | tail -n 1
}

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root (or sudo) to run: $*"
  fi
}

install_pg() {
  if [[ -n "$(pg_bin)" ]]; then return 0; fi
  echo "pg.sh: installing postgresql from Debian" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
  [[ -n "$(pg_bin)" ]] || die "postgresql installed but initdb not found under /usr/lib/postgresql"
}

# Runs a PostgreSQL program as the owner of the data folder: PostgreSQL refuses to run as root.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_is_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
  local port tries=0
  while (( tries < 200 )); do
    port=$(( 20000 + RANDOM % 40000 ))
    if port_is_free "$port"; then echo "$port"; return 0; fi
    tries=$(( tries + 1 ))
  done
  die "no free port found"
}

connection_string() {
  echo "Host=127.0.0.1;Port=$1;Username=callcenter;Database=callcenter;Pooling=true;Maximum Pool Size=90;Timeout=5"
}

start_pg() {
  local dir=$1 port=${2:-}
  install_pg
  local bin; bin=$(pg_bin)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir"; fi
  chmod 700 "$dir"
  if [[ ! -f "$dir/PG_VERSION" ]]; then
    as_owner "$bin/initdb" -D "$dir" -U callcenter --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
      >"$dir.initdb.log" 2>&1 || { cat "$dir.initdb.log" >&2; die "initdb failed in $dir"; }
    rm -f "$dir.initdb.log"
  fi
  if as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    connection_string "$(cat "$dir/port")"
    return 0
  fi
  [[ -n "$port" ]] || port=$(free_port)
  port_is_free "$port" || die "port $port is in use"
  echo "$port" >"$dir/port.tmp" && mv "$dir/port.tmp" "$dir/port"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$dir/port"
  # Settings for a test and development server: loopback only, no Unix socket, enough
  # connections for three silos and their pools.
  as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='' -c max_connections=400 -c shared_buffers=256MB" \
    start >/dev/null || { tail -n 30 "$dir/server.log" >&2; die "server in $dir did not start"; }
  local psql="$bin/psql"
  if ! "$psql" -h 127.0.0.1 -p "$port" -U callcenter -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'callcenter'" | grep -q 1; then
    "$psql" -h 127.0.0.1 -p "$port" -U callcenter -d postgres -qc "CREATE DATABASE callcenter" >/dev/null
  fi
  connection_string "$port"
}

stop_pg() {
  local dir=$1
  [[ -f "$dir/PG_VERSION" ]] || return 0
  local bin; bin=$(pg_bin)
  if as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$dir" -m fast -w -t 30 stop >/dev/null 2>&1 ||
      as_owner "$bin/pg_ctl" -D "$dir" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
}

command=${1:-}
case "$command" in
  install) install_pg ;;
  start) [[ $# -ge 2 ]] || die "usage: pg.sh start DIR [PORT]"; start_pg "$2" "${3:-}" ;;
  stop) [[ $# -ge 2 ]] || die "usage: pg.sh stop DIR"; stop_pg "$2" ;;
  status)
    [[ $# -ge 2 ]] || die "usage: pg.sh status DIR"
    [[ -f "$2/PG_VERSION" ]] || exit 1
    as_owner "$(pg_bin)/pg_ctl" -D "$2" status >/dev/null 2>&1 ;;
  url) [[ $# -ge 2 && -f "$2/port" ]] || die "usage: pg.sh url DIR (of a started server)"; connection_string "$(cat "$2/port")" ;;
  *) die "usage: pg.sh install | start DIR [PORT] | stop DIR | status DIR | url DIR" ;;
esac
