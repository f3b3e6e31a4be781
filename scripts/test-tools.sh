#!/usr/bin/env sh
# The real tools the test suite drives besides Node, from Debian's packages, so a fresh machine
# needs nothing by hand:
# - curl, for the seed documentation's REST examples;
# - Debian's kubectl 1.20 (package kubernetes-client), unpacked under .tools/ rather than
#   installed: installing it would replace the machine's kubectl dispatcher, which the suite
#   drives too.
set -eu
cd "$(dirname "$0")/.."
debian_kubectl=.tools/debian-kubectl/usr/bin/kubectl

need_curl=""
command -v curl >/dev/null 2>&1 || need_curl=curl
[ -z "$need_curl" ] && [ -x "$debian_kubectl" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "tests need: ${need_curl:+curl and }Debian's kubernetes-client unpacked at $debian_kubectl (run as root so this script can)" >&2
  exit 1
fi
apt-get update -qq
[ -n "$need_curl" ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl
if [ ! -x "$debian_kubectl" ]; then
  download=$(mktemp -d)
  # apt-get would otherwise warn that its unprivileged download user cannot write there.
  (cd "$download" && apt-get download -qq -o APT::Sandbox::User=root kubernetes-client)
  rm -rf .tools/debian-kubectl && mkdir -p .tools
  dpkg-deb -x "$download"/kubernetes-client_*.deb .tools/debian-kubectl
  rm -rf "$download"
fi
"$debian_kubectl" version --client --short >/dev/null
