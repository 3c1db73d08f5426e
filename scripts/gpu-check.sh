#!/usr/bin/env bash
# The GPU parity check of the CUDA backend, for a machine with an NVIDIA GPU. It prints the
# device, runs every operation (tests/tst_gpuops.cpp) and every model's training
# (tests/tst_devicemodels.cpp) against the CPU, then the GPU-against-CPU benchmarks (the toy
# recipe, transformer steps at five sizes, ViT steps and an epoch, attention forward at
# contexts 64 to 1024), and says what it found.
#
#   scripts/gpu-check.sh        configure and build in a fresh folder (BUILD_DIR, default
#                               build-gpucheck), run the tests verbosely and the benchmarks, then
#                               attnlab-cli on the lesson with --device gpu; needs the project's
#                               build dependencies
#   scripts/gpu-check.sh pack   on a machine WITHOUT a GPU that can build the project: build the
#                               tests, the benchmarks and libattnlab_cuda.so (in BUILD_DIR as it
#                               is) and pack them,
#                               with the libraries a bare CUDA machine lacks (Qt, ICU, …), into
#                               PACK (default build-gpucheck-pack/gpu-check.tar.xz, about 13 MB)
#   scripts/gpu-check.sh run-pack
#                               on the GPU machine: run the packed tests (the pack must be there,
#                               e.g. carried to it); the plain form does this by itself when the
#                               configure step fails for lack of Qt or Eigen and a pack is there
#
# JOBS (default: the number of cores) sets the parallel build jobs.
#
# Exit status: 0 when every test passed (skips on the GPU row mean no GPU was usable: that is a
# failure here), 1 otherwise. With compute-sanitizer on the PATH the test then runs once more
# under its memcheck tool; its result is printed, not counted. When OUT is set (the device tool),
# the full logs are written there.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$here/build-gpucheck}"
pack="${PACK:-$here/build-gpucheck-pack/gpu-check.tar.xz}"
logs="${OUT:-}"

say() { printf '\n== %s\n' "$*"; }

print_device() {
    say "device"
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv \
            || nvidia-smi -L
    else
        echo "nvidia-smi not found"
    fi
    command -v nvcc >/dev/null && nvcc --version | tail -1
}

# Runs the test binary $1 with the backend $2; tst_gpuops then under memcheck when it is there.
run_test() {
    local test="$1" library="$2" name
    name="$(basename "$test")"
    local log="${logs:-/tmp}/$name.log"
    say "$name with $library"
    ATTNLAB_CUDA_LIBRARY="$library" QT_QPA_PLATFORM=offscreen "$test" -v1 2>&1 | tee "$log"
    local status=${PIPESTATUS[0]}
    if grep -q "GPU parity tests skip" "$log"; then
        echo "gpu-check: the GPU row skipped: no usable GPU (see the first QINFO line)"
        status=1
    fi
    if [ "$name" = tst_gpuops ] && command -v compute-sanitizer >/dev/null; then
        say "$name under compute-sanitizer --tool memcheck"
        ATTNLAB_CUDA_LIBRARY="$library" QT_QPA_PLATFORM=offscreen \
            timeout 300 compute-sanitizer --tool memcheck --error-exitcode 3 "$test" \
            >"${log%.log}-memcheck.log" 2>&1
        echo "memcheck exit status $? (0: clean, 3: errors, 124: too slow; log:" \
            "${log%.log}-memcheck.log)"
        tail -5 "${log%.log}-memcheck.log"
    fi
    return "$status"
}

# Both suites, from the folder $1 (which holds tst_gpuops and tst_devicemodels), with $2.
run_tests() {
    run_test "$1/tst_gpuops" "$2"
    local ops=$?
    run_test "$1/tst_devicemodels" "$2"
    local models=$?
    return $((ops != 0 || models != 0))
}

# The GPU against the CPU: attnlab-bench $1 with the backend $2, once each (GPU_BENCH_FILTER
# chooses others).
run_bench() {
    local bench="$1" library="$2"
    local filter="${GPU_BENCH_FILTER:-ToyRecipe|TransformerStep|VitStep|VitEpoch|AttentionForward}"
    say "attnlab-bench: $filter, on the CPU and on the GPU"
    ATTNLAB_CUDA_LIBRARY="$library" "$bench" --benchmark_filter="$filter" \
        --benchmark_min_time=0.2 2>&1 | tee "${logs:-/tmp}/bench-gpu.log"
}

# $1 = fresh: start from an empty folder (only one that is a CMake build folder is removed).
configure_and_build() {
    if [ "${1:-}" = fresh ] && [ -e "$build" ]; then
        if [ ! -f "$build/CMakeCache.txt" ]; then
            echo "gpu-check: $build is not a build folder; not removing it"
            return 2
        fi
        rm -rf "$build"
    fi
    say "configure $build"
    cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release || return 2
    say "build attnlab_cuda, the GPU suites, attnlab-cli and attnlab-bench"
    local start=$SECONDS
    cmake --build "$build" -j "${JOBS:-$(nproc)}" --target attnlab_cuda tst_gpuops \
        tst_devicemodels attnlab-cli attnlab-bench || return 1
    echo "built in $((SECONDS - start)) s"
}

build_and_check() {
    print_device
    configure_and_build fresh
    local built=$?
    if [ "$built" -eq 2 ] && [ -f "$pack" ]; then
        echo "gpu-check: the project cannot be configured here; running the pack $pack instead"
        run_pack
        return
    fi
    [ "$built" -eq 0 ] || { echo "gpu-check: the build failed"; return 1; }
    run_tests "$build/tests" "$build/app/libattnlab_cuda.so"
    local status=$?
    run_bench "$build/bench/attnlab-bench" "$build/app/libattnlab_cuda.so"
    say "attnlab-cli train --lesson --epochs 10 --device gpu"
    QT_QPA_PLATFORM=offscreen "$build/app/attnlab-cli" train --lesson --epochs 10 --device gpu \
        2>&1 | head -5
    return "$status"
}

make_pack() {
    configure_and_build || { echo "gpu-check: the build failed"; return 1; }
    local stage="$build/gpu-check"
    rm -rf "$stage" && mkdir -p "$stage/lib"
    cp "$build/tests/tst_gpuops" "$build/tests/tst_devicemodels" "$build/bench/attnlab-bench" \
        "$build/app/libattnlab_cuda.so" "$stage/"
    # The programs' libraries, but not the C and C++ runtimes every Linux machine has.
    ldd "$build/tests/tst_gpuops" "$build/tests/tst_devicemodels" "$build/bench/attnlab-bench" |
        awk '/=> \// {print $3}' |
        sort -u | while read -r lib; do
        case "$(basename "$lib")" in
        libc.so* | libm.so* | libdl.so* | librt.so* | libpthread.so* | libgcc_s.so* | \
            libstdc++.so* | ld-linux*) ;;
        *) cp -L "$lib" "$stage/lib/" ;;
        esac
    done
    mkdir -p "$(dirname "$pack")"
    tar -C "$build" -cJf "$pack" gpu-check
    echo "packed $(du -h "$pack" | cut -f1): $pack"
    local relative="${pack#"$here"/}"
    echo "on the GPU machine, from the repository's root (the device tool: carry $relative):"
    echo "    PACK=$relative scripts/gpu-check.sh run-pack"
}

run_pack() {
    [ -f "$pack" ] || { echo "gpu-check: no pack at $pack (make one with: $0 pack)"; return 1; }
    print_device
    local dir
    dir="$(mktemp -d)"
    tar -C "$dir" -xJf "$pack"
    # cuBLAS from the machine's CUDA; Qt and ICU from the pack.
    local cuda=""
    for d in /usr/local/cuda/lib64 /usr/local/cuda/lib; do
        [ -d "$d" ] && cuda="$cuda:$d"
    done
    export LD_LIBRARY_PATH="$dir/gpu-check/lib$cuda${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    run_tests "$dir/gpu-check" "$dir/gpu-check/libattnlab_cuda.so"
    local status=$?
    run_bench "$dir/gpu-check/attnlab-bench" "$dir/gpu-check/libattnlab_cuda.so"
    rm -rf "$dir"
    return "$status"
}

case "${1:-}" in
"") build_and_check ;;
pack) make_pack ;;
run-pack) run_pack ;;
*)
    echo "usage: $0 [pack|run-pack]" >&2
    exit 2
    ;;
esac
status=$?
exit $((status == 0 ? 0 : 1))
