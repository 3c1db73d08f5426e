#!/usr/bin/env bash
# Sets up a Debian 12 machine for AttnLab, builds it, and either starts the GUI on the lesson
# or runs every test.
#
#   scripts/dev.sh run      install what is missing, build (Release), start the GUI
#   scripts/dev.sh test     install what is missing, build, run every test offscreen
#   scripts/dev.sh build    install what is missing and build, nothing else
#   scripts/dev.sh package  build, then the Debian package(s) into the build folder
#
# Works as root or through sudo, from a clean clone. BUILD_DIR (default: build) is the build
# folder; JOBS (default: the number of cores) the parallel build jobs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$here/build}"
jobs="${JOBS:-$(nproc)}"

packages=(
    g++ cmake ninja-build pkg-config
    qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6opengl6-dev qt6-qpa-plugins libgl-dev
    libeigen3-dev zlib1g-dev
    fonts-dejavu-core
    python3-numpy poppler-utils libbenchmark-dev
    dataset-fashion-mnist
)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "Installing: ${missing[*]}"
        as_root apt-get update
        as_root env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y --no-install-recommends "${missing[@]}"
    fi
}

build() {
    cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
    cmake --build "$build" -j "$jobs"
}

case "${1:-}" in
run)
    install_packages
    build
    exec "$build/app/attnlab" --lesson
    ;;
test)
    install_packages
    build
    cd "$build"
    QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j "$jobs"
    ;;
build)
    install_packages
    build
    ;;
package)
    install_packages
    build
    cd "$build"
    cpack -G DEB
    ;;
*)
    echo "usage: $0 run|test|build|package" >&2
    exit 2
    ;;
esac
