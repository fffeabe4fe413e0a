#!/usr/bin/env bash
# Installs the Debian packages the test suite uses, if missing and if we may.
set -euo pipefail
packages=(poppler-utils chromium redis-server)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "note: missing ${missing[*]}; install them (apt-get install ${missing[*]}) or those tests skip" >&2
  exit 0
fi
echo "Installing ${missing[*]}…"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
