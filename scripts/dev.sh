#!/usr/bin/env bash
# Sets up a Debian 12 machine for AttnLab, builds it, and either starts the GUI on the lesson
# or runs every test.
#
#   scripts/dev.sh run      install what is missing, build (Release), start the GUI
#   scripts/dev.sh test     install what is missing, build, run every test offscreen, then
#                           each fuzz target for 20 s (scripts/fuzz.sh) and every test again
#                           under ASan and UBSan (scripts/sanitize.sh)
#   scripts/dev.sh build    install what is missing and build, nothing else
#   scripts/dev.sh package  build, then the Debian package(s) into the build folder
#   scripts/dev.sh bench    install what is missing (and PyTorch), build, run the benchmark
#                           suite, the window's frame times, and AttnLab against PyTorch,
#                           printing each ratio (docs/performance.md explains the figures)
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
    clang libclang-rt-dev
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
    "$here/scripts/fuzz.sh" --seconds 20 --jobs "$jobs"
    JOBS="$jobs" "$here/scripts/sanitize.sh"
    ;;
build)
    install_packages
    build
    ;;
bench)
    packages+=(python3-torch)
    install_packages
    build
    echo "== the benchmark suite (Google Benchmark), build/bench/attnlab-bench"
    "$build/bench/attnlab-bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
    echo "== the window while a model trains (offscreen), build/bench/attnlab-uibench"
    QT_QPA_PLATFORM=offscreen "$build/bench/attnlab-uibench" --seconds 5
    echo "== AttnLab against PyTorch (one thread each, alternating rounds)"
    /usr/bin/python3 "$here/bench/compare_pytorch.py" --cli "$build/app/attnlab-cli" --with-vit
    ;;
package)
    install_packages
    build
    cd "$build"
    cpack -G DEB
    ;;
*)
    echo "usage: $0 run|test|build|package|bench" >&2
    exit 2
    ;;
esac
