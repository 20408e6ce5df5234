#!/usr/bin/env bash
# The real SIP peers that the gateway's peer tests and the SIP benchmark talk to, from Debian:
#   sipp      (sip-tester)    scripted UAC/UAS load generator, RFC 4733 pcaps in /usr/share/sip-tester
#   baresip   (baresip-core)  a softphone for agents; the core package already holds every module we
#                             load (aufile, aubridge, sndfile, ctrl_tcp, g711, account)
#   kamailio  (kamailio)      the reference stateful proxy for loadtests/sip/reference.sh
#   tshark    (tshark)        to look at RTP on loopback when a media test fails
#   espeak-ng, sox            to speak and convert prompts into 8 kHz mono WAV files
#
#   scripts/sip-tools.sh install   install whatever is missing (idempotent), then print versions
#   scripts/sip-tools.sh check     exit 1 naming every missing tool; exit 0 and print versions otherwise
#   scripts/sip-tools.sh versions  print the versions of the installed tools
set -euo pipefail

die() { echo "sip-tools.sh: $*" >&2; exit 2; }

# tool binary -> Debian package that provides it
declare -A PACKAGE_OF=(
  [sipp]=sip-tester
  [baresip]=baresip-core
  [kamailio]=kamailio
  [tshark]=tshark
  [espeak-ng]=espeak-ng
  [sox]=sox
)
TOOLS=(sipp baresip kamailio tshark espeak-ng sox)
# baresip modules the harness loads (tests/Telephony.Gateway.Tests/Peers/BaresipPhone.cs)
BARESIP_MODULES=(aufile aubridge sndfile ctrl_tcp g711 account)

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo --preserve-env=DEBIAN_FRONTEND "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

baresip_module_dir() {
  local dir
  for dir in /usr/lib/baresip/modules /usr/lib/*/baresip/modules /usr/local/lib/baresip/modules; do
    if [[ -d "$dir" ]]; then echo "$dir"; return 0; fi
  done
  return 1
}

# Prints "missing thing (package)" lines, nothing when all is there.
missing() {
  local tool dir module
  for tool in "${TOOLS[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || echo "$tool (${PACKAGE_OF[$tool]})"
  done
  if command -v baresip >/dev/null 2>&1; then
    if dir=$(baresip_module_dir); then
      for module in "${BARESIP_MODULES[@]}"; do
        [[ -f "$dir/$module.so" ]] || echo "baresip module $module.so (baresip-core)"
      done
    else
      echo "baresip module folder (baresip-core)"
    fi
  fi
  if [[ ! -f /usr/share/sip-tester/dtmf_2833_3.pcap ]]; then
    echo "SIPp RTP pcaps in /usr/share/sip-tester (sip-tester)"
  fi
}

versions() {
  command -v sipp >/dev/null && sipp -v 2>&1 | grep -m1 -o 'SIPp v[^ ]*' || true
  command -v baresip >/dev/null && baresip -h 2>&1 | grep -m1 -o 'baresip v[0-9.]*' || true
  command -v kamailio >/dev/null && kamailio -v 2>&1 | grep -m1 -o 'kamailio [0-9.]*' || true
  command -v tshark >/dev/null && tshark --version 2>/dev/null | head -n 1 || true
  command -v espeak-ng >/dev/null && espeak-ng --version 2>&1 | grep -m1 -o 'eSpeak NG[^D]*' || true
  command -v sox >/dev/null && echo "sox $(sox --version 2>&1 | grep -o 'v[0-9.]*')" || true
  if [[ $(id -u) -eq 0 ]]; then
    echo "SIPp RTP playback: possible (running as root)"
  else
    echo "SIPp RTP playback: needs root or CAP_NET_RAW on sipp (setcap cap_net_raw+ep \$(command -v sipp))"
  fi
}

install() {
  local gaps
  gaps=$(missing)
  if [[ -z "$gaps" ]]; then
    echo "sip-tools.sh: all SIP tools present"
    versions
    return 0
  fi
  echo "sip-tools.sh: installing; missing:"
  echo "$gaps" | sed 's/^/  /'
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer "no" up front so the install never waits.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | as_root debconf-set-selections
  # Wait for a concurrent apt (another script, unattended upgrades) instead of failing on its lock.
  as_root apt-get -o DPkg::Lock::Timeout=600 update -q
  local packages=() tool
  for tool in "${TOOLS[@]}"; do packages+=("${PACKAGE_OF[$tool]}"); done
  as_root apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${packages[@]}"
  gaps=$(missing)
  if [[ -n "$gaps" ]]; then
    echo "sip-tools.sh: still missing after install:" >&2
    echo "$gaps" | sed 's/^/  /' >&2
    exit 1
  fi
  versions
}

check() {
  local gaps
  gaps=$(missing)
  if [[ -n "$gaps" ]]; then
    echo "sip-tools.sh: missing (run scripts/sip-tools.sh install):" >&2
    echo "$gaps" | sed 's/^/  /' >&2
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
