#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang and runs each for a bounded time.
#
#   scripts/fuzz.sh [--seconds N] [--jobs J] [TARGET...]
#
# TARGET is session, idx, weights, corpus, tokenizer or image (default: all of them). Each runs
# for N seconds (default 20), J at a time (default: $JOBS, else the number of cores); J is also
# the build's parallel jobs. Everything goes into build-fuzz/ (BUILD_DIR is not used): the
# corpus each run grows (build-fuzz/corpus/<target>, kept between runs), logs
# (build-fuzz/logs/<target>.log) and crash inputs (build-fuzz/crashes/). The seeds in
# fuzz/corpus/<target>/ and the saved crash inputs in tests/fixtures/fuzz/<target>/ are read,
# never written. Prints each target's executions, coverage, corpus size and result; exits 1
# when any target crashed (or timed out, or ran out of memory), 2 on bad usage.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$here/build-fuzz"
seconds=20
jobs="${JOBS:-$(nproc)}"
all=(session idx weights corpus tokenizer image)
targets=()

usage() {
    echo "usage: $0 [--seconds N] [--jobs J] [session|idx|weights|corpus|tokenizer|image ...]" >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
    --seconds) [ $# -ge 2 ] || usage; seconds="$2"; shift 2 ;;
    --jobs) [ $# -ge 2 ] || usage; jobs="$2"; shift 2 ;;
    session | idx | weights | corpus | tokenizer | image) targets+=("$1"); shift ;;
    *) usage ;;
    esac
done
[[ "$seconds" =~ ^[1-9][0-9]*$ && "$jobs" =~ ^[1-9][0-9]*$ ]] || usage
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

configure_and_build() {
    CC=clang CXX=clang++ cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_CXX_FLAGS=-g -DATTNLAB_FUZZ=ON -DATTNLAB_ENABLE_CUDA=OFF \
        -DATTNLAB_BUILD_TESTS=OFF >"$build/configure.log" 2>&1 \
        || { cat "$build/configure.log" >&2; exit 1; }
    cmake --build "$build" --target "${targets[@]/#/fuzz_}" -j "$jobs"
}

# Runs one target; its log is build-fuzz/logs/<target>.log, its exit status <target>.status.
run_one() {
    local name="$1" dirs=("$build/corpus/$1" "$here/fuzz/corpus/$1")
    mkdir -p "$build/corpus/$name"
    [ -d "$here/tests/fixtures/fuzz/$name" ] && dirs+=("$here/tests/fixtures/fuzz/$name")
    # A picture of the largest size accepted (64 megapixels) takes about 30 s with the
    # sanitizers on a busy machine; anything else gets 30 s before it counts as a hang.
    local timeout=30
    [ "$name" = image ] && timeout=120
    local options=(-max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2048
                   -print_final_stats=1 -artifact_prefix="$build/crashes/$name-")
    [ -f "$here/fuzz/$name.dict" ] && options+=(-dict="$here/fuzz/$name.dict")
    local status=0
    TMPDIR="$scratch" QT_QPA_PLATFORM=offscreen \
        "$build/fuzz/fuzz_$name" "${options[@]}" "${dirs[@]}" >"$build/logs/$name.log" 2>&1 \
        || status=$?
    echo "$status" >"$build/logs/$name.status"
}

# One line for a target: executions, coverage, corpus, and ok or what went wrong.
report() {
    local name="$1" status="$2" log="$build/logs/$1.log"
    local runs cov corp result=ok
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || true)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$' || true)
    corp=$(grep -o 'corp: [0-9]*/[0-9]*[bKM]*' "$log" | tail -n 1 | cut -d' ' -f2 || true)
    if [ "$status" -ne 0 ]; then
        result="FAILED (exit $status): $(grep -m1 -o 'ERROR: .*\|==[0-9]*== ERROR.*\|fuzz: .*' \
            "$log" || echo "see the log"); input: $(grep -o "$build/crashes/[^ ]*" "$log" |
            tail -n 1); log: $log"
    fi
    printf '%-10s %12s executions  cov %6s  corpus %-12s %s\n' "$name" "${runs:-?}" \
        "${cov:-?}" "${corp:-?}" "$result"
}

mkdir -p "$build"
configure_and_build
mkdir -p "$build/logs" "$build/crashes"
# The file readers' inputs go through files: in memory (/dev/shm) where there is one.
scratch="$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d -p "$build")"
trap 'rm -rf "$scratch"' EXIT
echo "Fuzzing ${targets[*]} for $seconds s each, $jobs at a time"

for name in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
        wait -n || true
    done
    rm -f "$build/logs/$name.status"
    run_one "$name" &
done
wait

failed=0
for name in "${targets[@]}"; do
    status=$(cat "$build/logs/$name.status" 2>/dev/null || echo 1)
    report "$name" "$status"
    [ "$status" -eq 0 ] || failed=1
done
exit "$failed"
