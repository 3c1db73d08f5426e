#!/usr/bin/env bash
# Builds AttnLab with AddressSanitizer and UndefinedBehaviorSanitizer in build-asan/ and runs
# every test suite offscreen; any sanitizer report fails the test that made it.
#
#   scripts/sanitize.sh
#
# JOBS (default: the number of cores) sets the parallel build and test jobs. The build is the
# project's own with -DATTNLAB_SANITIZE=ON (fuzz/sanitizers.cmake): -fsanitize=address,undefined
# -fno-omit-frame-pointer -fno-sanitize-recover=undefined on every target, with the default
# compiler. Left out, on purpose:
# - the CUDA backend (-DATTNLAB_ENABLE_CUDA=OFF): nvcc's code is not instrumented, and the CUDA
#   runtime does not start under ASan without protect_shadow_gap=0; the GPU suite skips, saying
#   why;
# - the benchmarks: they are not tests, and building them only costs time;
# - the test deb_install: it builds a Debian package from this (sanitized) build, installs it
#   into /usr and runs it there, which tests packaging, not the code.
# Leaks in third-party libraries only (fontconfig, Qt's platform plugins) are suppressed by
# fuzz/lsan.supp; a leak with AttnLab code in its stack is reported.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$here/build-asan"
jobs="${JOBS:-$(nproc)}"

# -O1 -g1 (line tables, enough for the reports' stacks) compiles in 60% of the time of -O2 -g.
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DATTNLAB_SANITIZE=ON \
    -DATTNLAB_ENABLE_CUDA=OFF -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON >/dev/null
cmake --build "$build" -j "$jobs"

# Every report is fatal, and so is a leak (at exit); the suppressions cover other libraries.
# The exit codes are ones no program of AttnLab uses (the CLI exits 0 to 3), so that a test that
# expects a child to fail still sees a report as a failure.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:exitcode=86:strict_string_checks=1"
export ASAN_OPTIONS="$ASAN_OPTIONS:check_initialization_order=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="halt_on_error=1:exitcode=87:print_stacktrace=1:report_error_type=1"
export LSAN_OPTIONS="suppressions=$here/fuzz/lsan.supp:print_suppressions=0"

cd "$build"
QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j "$jobs" -E '^deb_install$'
