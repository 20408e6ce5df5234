#!/usr/bin/env bash
# The SIP benchmark against our gateway: starts the silo (Release build) with the gateway on a free
# loopback port and N simulated agent phones that register over SIP, then runs bench.sh (stepped
# SIPp rates, uac-basic) to service 2000 (straight to the agents: answer, queue, agent phone rung
# and answered, both legs bridged, caller hangs up), measuring the silo process's CPU and RSS.
# Each call holds three RTP legs here (caller, agent, and the demo phone's own), so the RTP port range is
# widened to 10000-32767 (below Linux's ephemeral ports): the default 20000-29999 (5,000 even ports) runs
# out at ~1,650 concurrent calls, i.e. about 330 cps with 5 s calls, and the gateway answers 503.
#
#   loadtests/sip/gateway-bench.sh [--agents N] [--rates "10 20 50"] [--step S] [--call-ms MS] [--out DIR]
#
# Compare with loadtests/sip/reference.sh (Kamailio as a stateful proxy to a SIPp UAS).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

agents=300 rates="10 20 50 100 150 200" step=10 call_ms=3000 out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --agents) agents="$2"; shift 2 ;;
    --rates) rates="$2"; shift 2 ;;
    --step) step="$2"; shift 2 ;;
    --call-ms) call_ms="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "gateway-bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out=${out:-$root/artifacts/sip-bench/gateway-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port) silo_port=$(free_port) orleans_gateway_port=$(free_port)
dotnet build "$root/Silo" -c Release -warnaserror >/dev/null
silo_dir="$root/Silo/bin/Release/net10.0"
(cd "$silo_dir" && exec env DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 dotnet CallCenter.Silo.dll \
  --sip-port "$port" --demo-agents "$agents" --demo-traffic false --web false --metrics-port 0 --summary-seconds 0 --CallCenter:Demo:AgentsPerRegion 0 \
  --silo-port "$silo_port" --gateway-port "$orleans_gateway_port" \
  --CallCenter:Gateway:DemoAnswerSeconds 0.2 --CallCenter:Gateway:DemoHandleSeconds 600 --CallCenter:Gateway:DemoHandleExponential false \
  --CallCenter:Gateway:RecordCalls false --CallCenter:Gateway:Survey false \
  --CallCenter:Gateway:RtpPortMin 10000 --CallCenter:Gateway:RtpPortMax 32767 \
  --CallCenter:Gateway:RecordingFolder "$out/recordings" >"$out/silo.log" 2>&1) &
silo=$!
trap 'kill $silo 2>/dev/null || true; wait $silo 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  grep -q "demo SIP agent phones registered" "$out/silo.log" 2>/dev/null && break
  kill -0 $silo 2>/dev/null || { echo "the silo stopped; see $out/silo.log" >&2; exit 1; }
  sleep 1
done
grep "demo SIP agent phones registered" "$out/silo.log" || { echo "the demo phones did not register; see $out/silo.log" >&2; exit 1; }
pid=$(pgrep -f "CallCenter.Silo.dll --sip-port $port" | head -1)
"$here/bench.sh" "127.0.0.1:$port" --pid "$pid" --rates "$rates" --step "$step" --call-ms "$call_ms" --service 2000 --out "$out"
