#!/usr/bin/env bash
# fuzz/install.sh: installs the Debian packages the fuzz config needs (clang 14 and its libFuzzer
# runtime); ./bazelw installs the rest of the build.
set -euo pipefail
PACKAGES=(clang libclang-rt-14-dev)
"$(dirname "$0")/../tools/install_debian_packages.sh" fuzz/install.sh "${PACKAGES[@]}"
