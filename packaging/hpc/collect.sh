#!/bin/bash
# Gathers the figures of a head-size sweep (sweep-head-sizes.sbatch) into FOLDER/index.html:
# one row per head size with its final loss and its attention, predictions and loss figures.
#
#   packaging/hpc/collect.sh figures
set -euo pipefail
folder="${1:?usage: collect.sh FOLDER}"
page="$folder/index.html"
runs=$(find "$folder" -mindepth 1 -maxdepth 1 -type d -name 'H*' | sort -V)
[ -n "$runs" ] || { echo "collect.sh: no H* folders in $folder" >&2; exit 1; }

{
    echo '<!DOCTYPE html><html><head><meta charset="utf-8"><title>AttnLab head sizes</title>'
    echo '</head><body><h1>Head-size sweep</h1><table>'
    echo '<tr><th>head size</th><th>final loss</th><th>attention</th><th>predictions</th>'
    echo '<th>loss</th></tr>'
    for run in $runs; do
        name=$(basename "$run")
        loss=$(tail -n 1 "$run/loss.csv" | cut -d, -f2)
        echo "<tr><td>${name#H}</td><td>$loss</td>"
        for view in sentence1-attention sentence1-predictions loss; do
            echo "<td><img src=\"$name/$view.png\" width=\"320\"></td>"
        done
        echo '</tr>'
    done
    echo '</table></body></html>'
} >"$page"
echo "wrote $page"
