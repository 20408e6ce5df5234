#!/usr/bin/env bash
# The full test suite: build every project with warnings as errors, then run every test project
# (unit, property, cluster, simulator and protocol tests). Exit code is non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

dotnet --info >/dev/null 2>&1 || { echo "the .NET 10 SDK (dotnet) is required" >&2; exit 1; }

results="${TEST_RESULTS:-artifacts/test-results}"
mkdir -p "$results"

scripts/pg.sh install
# Real SIP peers for the gateway tests (SIPp, baresip, Kamailio, espeak-ng for the IVR prompts).
scripts/sip-tools.sh install
# Debian's Prometheus (the metrics test scrapes the silo with it) and Chromium (browser tests).
scripts/metrics-tools.sh install
scripts/web-tools.sh install
# In CI a missing peer, Prometheus or browser fails its tests instead of skipping them.
if [ "${CI:-}" = "true" ]; then
  export CALLCENTER_REQUIRE_SIP_PEERS=1 CALLCENTER_REQUIRE_PROMETHEUS=1 CALLCENTER_REQUIRE_BROWSER=1
fi

dotnet build CallCenter.sln -c Release -warnaserror
rm -f "$results"/*.trx
status=0
# One test project at a time (-m:1): the simulator's queueing-theory checks measure waits in
# scenario time, where scheduling noise from a neighbour project is multiplied by the speed.
dotnet test CallCenter.sln -c Release --no-build -m:1 \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" \
  -- RunConfiguration.TreatNoTestsAsError=true || status=$?

# The console log is long and CI keeps only its tail: end with every failed test and its message.
summary="$(for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  awk '/<UnitTestResult / && /outcome="Failed"/ {
         match($0, /testName="[^"]*"/); print "FAILED " substr($0, RSTART + 10, RLENGTH - 11); grab = 1 }
       grab && /<Message>/ { sub(/.*<Message>/, ""); sub(/<\/Message>.*/, ""); print "  " substr($0, 1, 400); grab = 0 }' "$trx"
done)"
if [ -n "$summary" ]; then
  echo "==== failed tests ===="
  echo "$summary"
fi
echo "==== test suite exit code: $status ===="
exit "$status"
