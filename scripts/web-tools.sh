#!/usr/bin/env bash
# Chromium from Debian for the web's browser tests (Microsoft.Playwright launches
# /usr/bin/chromium headless; Playwright never downloads a browser here).
#
#   scripts/web-tools.sh install   install chromium if it is missing (idempotent), then print its version
#   scripts/web-tools.sh check     exit 1 when /usr/bin/chromium is missing; print its version otherwise
set -euo pipefail

die() { echo "web-tools.sh: $*" >&2; exit 2; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo --preserve-env=DEBIAN_FRONTEND "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

version() { /usr/bin/chromium --headless --no-sandbox --version 2>/dev/null || /usr/bin/chromium --version; }

case "${1:-install}" in
  install)
    if [[ ! -x /usr/bin/chromium ]]; then
      export DEBIAN_FRONTEND=noninteractive
      # Other scripts may hold the dpkg lock; wait for it instead of failing.
      as_root apt-get -o DPkg::Lock::Timeout=600 update
      as_root apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends chromium fonts-dejavu-core
    fi
    version
    ;;
  check)
    [[ -x /usr/bin/chromium ]] || { echo "web-tools.sh: /usr/bin/chromium is missing (scripts/web-tools.sh install)" >&2; exit 1; }
    version
    ;;
  *) die "usage: $0 install|check" ;;
esac
