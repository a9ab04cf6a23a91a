#!/usr/bin/env bash
# Installs what narwhal needs from Debian, only when something is missing:
# the CPython headers it embeds, and the real servers, frameworks and load
# tools its tests and benchmarks run against. Idempotent and quiet when done.
set -euo pipefail
pkgs=(
  build-essential pkg-config python3-dev
  python3-flask python3-django python3-falcon python3-bottle python3-gevent
  python3-requests python3-pastedeploy gunicorn python3-waitress
  uwsgi-core uwsgi-plugin-python3 wrk
  gnuplot-nox  # bench/: the side-by-side matrix's PNG charts
  systemd python3-yaml  # deploy/ tests: systemd-socket-activate, YAML manifests
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
