#!/usr/bin/env bash
# Installs the Debian 12 packages tidewire builds and tests with, only the ones missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libcaf-dev libboost-dev librocksdb-dev libmsgpack-cxx-dev nlohmann-json3-dev
  libjwt-dev libssl-dev openssl
  clang-14 libclang-rt-14-dev
  chromium
)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
