#!/usr/bin/env bash
# The reference figure for the SIP benchmark on this machine: SIPp (uac-basic.xml) through
# Kamailio 5.6 as a stateful proxy (kamailio.cfg: 2 children, 1 GiB shared memory) to a SIPp UAS,
# all on 127.0.0.1, with the stepped rates of bench.sh. Prints bench.sh's table and the highest
# rate without a failed call. Everything it starts is stopped on exit.
#
#   loadtests/sip/reference.sh [bench.sh options, e.g. --rates "200 500 1000" --step 10]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
command -v sipp >/dev/null && command -v kamailio >/dev/null || {
  echo "reference.sh: sipp and kamailio needed: run scripts/sip-tools.sh install" >&2; exit 2; }
PATH=$PATH:/usr/sbin

work=$(mktemp -d /tmp/sip-reference-XXXXXX)
uas_pid="" kamailio_pid=""
cleanup() {
  [[ -n "$kamailio_pid" ]] && kill "$kamailio_pid" 2>/dev/null || true
  [[ -n "$uas_pid" ]] && kill "$uas_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(shuf -i 20000-59999 -n 1)
    ss -Hlun "sport = :$port" | grep -q . || { echo "$port"; return 0; }
  done
  echo "reference.sh: no free port" >&2; exit 2
}

uas_port=$(free_port)
proxy_port=$(free_port)

# The built-in UAS answers every INVITE at once and takes the BYE.
(cd "$work" && exec sipp -sn uas -i 127.0.0.1 -p "$uas_port" -mp "$(free_port)" -nostdin >uas.out 2>&1) &
uas_pid=$!

kamailio -f "$here/kamailio.cfg" -DD -E -m 1024 -M 16 -n 2 -Y "$work" -P "$work/kamailio.pid" \
  -l "udp:127.0.0.1:$proxy_port" -A "UAS_URI=\"sip:127.0.0.1:$uas_port\"" >"$work/kamailio.log" 2>&1 &
kamailio_pid=$!
sleep 2
kill -0 "$kamailio_pid" 2>/dev/null || { cat "$work/kamailio.log" >&2; exit 1; }
# Kamailio's main process and its forked workers: measure them all.
kamailio_pids="$kamailio_pid $(pgrep -P "$kamailio_pid" | tr '\n' ' ')"

"$here/bench.sh" "127.0.0.1:$proxy_port" --pids "$kamailio_pids" "$@"
