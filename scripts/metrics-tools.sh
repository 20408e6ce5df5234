#!/usr/bin/env bash
# Debian's Prometheus server, which the metrics test (tests/CallCenter.Tests/Metrics) starts against
# the silo's /metrics endpoint with a generated configuration and a throw-away storage folder.
# The package's own systemd service is not used by the tests; we never start or enable it here.
#
#   scripts/metrics-tools.sh install   install prometheus if missing (idempotent), then print its version
#   scripts/metrics-tools.sh check     exit 1 when prometheus is missing; print its version otherwise
#   scripts/metrics-tools.sh versions  print the version of the installed prometheus
set -euo pipefail

die() { echo "metrics-tools.sh: $*" >&2; exit 2; }

PROMETHEUS=/usr/bin/prometheus

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo --preserve-env=DEBIAN_FRONTEND "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

versions() {
  if [[ -x $PROMETHEUS ]]; then "$PROMETHEUS" --version 2>&1 | head -n 1; fi
}

install() {
  if [[ -x $PROMETHEUS ]]; then
    echo "metrics-tools.sh: prometheus present"
    versions
    return 0
  fi
  echo "metrics-tools.sh: installing prometheus"
  export DEBIAN_FRONTEND=noninteractive
  # Wait for a concurrent apt (another script) instead of failing on its lock.
  as_root apt-get -o DPkg::Lock::Timeout=600 update -q
  # policy-rc.d 101 keeps the package's service from starting inside containers and CI: the
  # tests run their own instance on a free port.
  local policy=/usr/sbin/policy-rc.d created_policy=
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod +x "$policy"
    created_policy=1
  fi
  as_root apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends prometheus || {
    [[ -n $created_policy ]] && as_root rm -f "$policy"
    exit 1
  }
  [[ -n $created_policy ]] && as_root rm -f "$policy"
  [[ -x $PROMETHEUS ]] || { echo "metrics-tools.sh: $PROMETHEUS still missing after install" >&2; exit 1; }
  versions
}

check() {
  if [[ ! -x $PROMETHEUS ]]; then
    echo "metrics-tools.sh: missing $PROMETHEUS (run scripts/metrics-tools.sh install)" >&2
    exit 1
  fi
  versions
}

case "${1:-}" in
  install) install ;;
  check) check ;;
  versions) versions ;;
  *) die "usage: $0 install|check|versions" ;;
esac
