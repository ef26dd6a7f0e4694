#!/usr/bin/env bash
# Installs the Debian packages named that are not installed yet (apt-get, with sudo when not root),
# saying which on stderr. Used by ./bazelw (the build), fuzz/install.sh (clang) and bench/run.sh
# (the PyTorch peer).
#
#   tools/install_debian_packages.sh CALLER PACKAGE...
set -euo pipefail
caller="$1"
shift
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0
echo "$caller: installing missing Debian packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
