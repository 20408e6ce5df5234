#!/usr/bin/env bash
# Stepped-rate SIP benchmark: SIPp places uac-basic.xml calls at a fixed rate per step (50, 100,
# 200, ... calls per second, each for --step seconds) against TARGET and records per step the rate
# achieved, failed calls, INVITE->200 response-time percentiles, peak concurrent calls and, given
# --pid, the CPU and peak RSS of the target process (from /proc). It stops at the first step with a
# failed call and prints the highest rate that had none.
#
#   loadtests/sip/bench.sh TARGET [options]
#     TARGET             host:port of the system under test (127.0.0.1 only: loopback load)
#     --pid PID          process to measure (the gateway, or kamailio's main process)
#     --pids "P1 P2"     several processes, summed (Kamailio's children)
#     --rates "50 100"   call rates per second (default: 50 100 200 300 500 750 1000)
#     --step SECONDS     length of each step (default 10)
#     --call-ms MS       talk time of each call (default 1000)
#     --service NUMBER   number dialled (default 1000)
#     --out DIR          where step files and the summary go (default artifacts/sip-bench/<time>)
#
# Output: DIR/summary.csv, DIR/summary.json and a table on stdout; the last line is
#   highest_zero_failure_cps=N
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "bench.sh: $*" >&2; exit 2; }

target="" pids="" rates="50 100 200 300 500 750 1000" step=10 call_ms=1000 service=1000 out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --pid|--pids) pids="$2"; shift 2 ;;
    --rates) rates="$2"; shift 2 ;;
    --step) step="$2"; shift 2 ;;
    --call-ms) call_ms="$2"; shift 2 ;;
    --service) service="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) target="$1"; shift ;;
  esac
done
[[ -n "$target" ]] || die "usage: bench.sh TARGET [--pid PID] [--rates \"50 100\"] [--step S] [--call-ms MS] [--out DIR]"
[[ "$target" == 127.* || "$target" == localhost:* ]] || die "TARGET must be on loopback (127.x.x.x:port), got $target"
command -v sipp >/dev/null || die "sipp missing: run scripts/sip-tools.sh install"
for pid in $pids; do [[ -r /proc/$pid/stat ]] || die "no process $pid"; done

out=${out:-artifacts/sip-bench/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
clock_ticks=$(getconf CLK_TCK)

# CPU time (ticks) of the measured processes, summed.
cpu_ticks() {
  local total=0 pid fields
  for pid in $pids; do
    # Fields after the command name (which may hold spaces): utime is 14th, stime 15th overall.
    fields=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
    total=$((total + $(awk '{print $12 + $13}' <<<"$fields")))
  done
  echo "$total"
}

# Resident memory (KiB) of the measured processes, summed.
rss_kib() {
  local total=0 pid kib
  for pid in $pids; do
    kib=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + ${kib:-0}))
  done
  echo "$total"
}

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(shuf -i 20000-59999 -n 1)
    if ! ss -Hlun "sport = :$port" | grep -q . && ! ss -Hlun "sport = :$((port + 2))" | grep -q .; then
      echo "$port"; return 0
    fi
  done
  die "no free UDP port found"
}

# Column value of the last line of a SIPp statistics file.
stat_column() { # file column
  awk -F';' -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) col = i; next }
                          { last = $col } END { print (col ? last : "") }' "$1"
}

summary="$out/summary.csv"
echo "rate_cps,calls,successful,failed,achieved_cps,p50_ms,p95_ms,p99_ms,max_ms,peak_concurrent,target_cpu_pct,target_peak_rss_mib,sipp_exit" >"$summary"
best=0

for rate in $rates; do
  dir="$out/rate-$rate"
  mkdir -p "$dir"
  calls=$((rate * step))
  port=$(free_port)
  cpu_before=$(cpu_ticks)
  started=$(date +%s.%N)
  (
    cd "$dir"
    # -l bounds concurrency at twice what the rate and talk time need, so a stalled target shows
    # as failed calls rather than an ever-growing backlog.
    exec sipp "$target" -sf "$here/uac-basic.xml" -s "$service" -i 127.0.0.1 -p "$port" -mp $((port + 2)) \
      -t u1 -r "$rate" -m "$calls" -l $((rate * (call_ms / 1000 + 2) * 2)) -d "$call_ms" \
      -recv_timeout 10000 -timeout $((step + call_ms / 1000 + 40))s -nostdin \
      -trace_stat -stf stat.csv -fd 1 -trace_rtt -rtt_freq 100 -trace_err -error_file errors.log \
      >sipp.out 2>&1
  ) &
  sipp_pid=$!
  peak_rss=0
  while kill -0 "$sipp_pid" 2>/dev/null; do
    rss=$(rss_kib)
    (( rss > peak_rss )) && peak_rss=$rss
    sleep 0.5
  done
  set +e; wait "$sipp_pid"; sipp_exit=$?; set -e
  ended=$(date +%s.%N)
  cpu_after=$(cpu_ticks)

  stat="$dir/stat.csv"
  [[ -s "$stat" ]] || die "SIPp wrote no statistics at $rate cps (exit $sipp_exit): see $dir/sipp.out"
  successful=$(stat_column "$stat" "SuccessfulCall(C)")
  failed=$(stat_column "$stat" "FailedCall(C)")
  created=$(stat_column "$stat" "TotalCallCreated")
  peak_concurrent=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "CurrentCall") col = i; next }
                                $col > max { max = $col } END { print max + 0 }' "$stat")
  # Creation rate: calls created over the seconds until the last one was created (-fd 1: one line a second).
  achieved=$(awk -F';' -v want="$created" 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "TotalCallCreated") c = i; if ($i == "ElapsedTime(C)") e = i }; next }
      $c >= want && !done { split($e, t, ":"); secs = t[1] * 3600 + t[2] * 60 + t[3]; done = 1 }
      END { if (secs < 1) secs = 1; printf "%.0f", want / secs }' "$stat")
  # Response times (INVITE to 200, ms), nearest-rank percentiles.
  read -r p50 p95 p99 pmax < <(cat "$dir"/*_rtt.csv 2>/dev/null | awk -F';' '$2 ~ /^[0-9.]+$/ { print $2 }' | sort -n |
    awk '{ v[NR] = $1 } END { if (NR == 0) { print "- - - -"; exit }
         printf "%s %s %s %s\n", v[int(NR * 0.50 + 0.999)], v[int(NR * 0.95 + 0.999)], v[int(NR * 0.99 + 0.999)], v[NR] }')
  if [[ -n "$pids" ]]; then
    cpu_pct=$(awk -v d=$((cpu_after - cpu_before)) -v hz="$clock_ticks" -v s="$started" -v e="$ended" 'BEGIN { printf "%.1f", 100 * d / hz / (e - s) }')
    rss_mib=$(awk -v k="$peak_rss" 'BEGIN { printf "%.1f", k / 1024 }')
  else
    cpu_pct=- rss_mib=-
  fi

  echo "$rate,$created,$successful,$failed,$achieved,$p50,$p95,$p99,$pmax,$peak_concurrent,$cpu_pct,$rss_mib,$sipp_exit" >>"$summary"
  echo "step $rate cps: $successful ok, $failed failed, achieved $achieved cps, p95 ${p95} ms" >&2
  if [[ "$failed" != 0 || "$sipp_exit" != 0 ]]; then
    echo "bench.sh: stopping at $rate cps ($failed failed, SIPp exit $sipp_exit; errors in $dir/errors.log)" >&2
    break
  fi
  best=$rate
done

awk -F',' 'NR == 1 { printf "["; next }
           { printf "%s{\"rate_cps\":%s,\"calls\":%s,\"successful\":%s,\"failed\":%s,\"achieved_cps\":%s,\"p50_ms\":\"%s\",\"p95_ms\":\"%s\",\"p99_ms\":\"%s\",\"max_ms\":\"%s\",\"peak_concurrent\":%s,\"target_cpu_pct\":\"%s\",\"target_peak_rss_mib\":\"%s\",\"sipp_exit\":%s}",
                    (NR > 2 ? "," : ""), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 }
           END { print "]" }' "$summary" >"$out/summary.json"
column -s, -t "$summary"
echo "results in $out"
echo "highest_zero_failure_cps=$best"
