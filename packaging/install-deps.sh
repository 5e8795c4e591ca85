#!/usr/bin/env bash
# Installs every system dependency of llm-surgery on Debian 12 (bookworm).
# Idempotent: when everything is present it prints nothing and exits 0.
#   packaging/install-deps.sh          build + run + test dependencies
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  qt6-base-dev qt6-base-dev-tools libgl-dev
  libtorch-dev
  libgloo-dev            # Gloo's headers: LibTorch's c10d ProcessGroupGloo (data-parallel surgery) includes them
  libopenblas0-pthread   # without it LibTorch runs on the reference BLAS (3 vs 80 GFLOP/s)
  libqcustomplot-dev
  libsentencepiece-dev sentencepiece
  nlohmann-json3-dev
  libpcre2-dev libicu-dev   # the tokenizer.json tokenizer: Unicode regexes (PCRE2) and normalization (ICU)
  xvfb xauth
  desktop-file-utils appstream   # the desktop entry's and the AppStream metainfo's validators (CTest desktop_files)
  python3-torch          # the benchmark peer (bench/peer) only
)

missing=()
for p in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
