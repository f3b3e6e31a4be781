#!/usr/bin/env sh
# The real tools the test suite drives besides Node: curl (the seed's REST examples).
# Installs what is missing from Debian's packages, so a fresh machine needs nothing by hand.
set -eu
missing=""
command -v curl >/dev/null 2>&1 || missing="$missing curl"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "tests need:$missing (install them, or run as root so this script can)" >&2
  exit 1
fi
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
