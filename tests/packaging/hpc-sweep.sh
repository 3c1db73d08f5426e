#!/bin/bash
# The Slurm example run without Slurm: each array task of packaging/hpc/sweep-head-sizes.sbatch
# with the built command-line tool, then collect.sh; the page must list the three head sizes
# with their final losses and figures. Outside a job array the script must refuse to guess.
#
#   hpc-sweep.sh SOURCE_DIR ATTNLAB_CLI
set -euo pipefail
source_dir="$1"
export ATTNLAB_CLI="$2"
export ATTNLAB_OUT="$(mktemp -d)"
trap 'rm -rf "$ATTNLAB_OUT"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

for task in 0 1 2; do
    SLURM_ARRAY_TASK_ID=$task bash "$source_dir/packaging/hpc/sweep-head-sizes.sbatch" \
        >"$ATTNLAB_OUT/task$task.log" 2>&1 || { cat "$ATTNLAB_OUT/task$task.log"; fail "task $task"; }
done
"$source_dir/packaging/hpc/collect.sh" "$ATTNLAB_OUT" >/dev/null
for size in 10 20 40; do
    for f in sentence1-attention.png sentence1-predictions.png loss.png loss.csv; do
        [ -s "$ATTNLAB_OUT/H$size/$f" ] || fail "H$size/$f was not written"
    done
    grep -q "<td>$size</td><td>[0-9]" "$ATTNLAB_OUT/index.html" ||
        fail "index.html has no row with head size $size and its loss"
done
if env -u SLURM_ARRAY_TASK_ID bash "$source_dir/packaging/hpc/sweep-head-sizes.sbatch" \
    >"$ATTNLAB_OUT/none.log" 2>&1; then
    fail "the script ran outside a job array"
fi
grep -q "SLURM_ARRAY_TASK_ID" "$ATTNLAB_OUT/none.log" || fail "no message outside a job array"
echo "three tasks and the collected page are right"
