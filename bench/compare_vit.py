#!/usr/bin/python3
"""AttnLab's Vision Transformer against PyTorch on the CPU: the same model, data and steps.

Runs `attnlab-cli vit` and bench/vit_pytorch.py in turn, ROUNDS times each (alternating, so
that both see the same load on a shared machine), on the first LIMIT training images for
EPOCHS epochs, and prints each run's training images per second and the ratio AttnLab /
PyTorch per round, with its median and range. PyTorch runs on one thread, as AttnLab does.

    bench/compare_vit.py                      # 10 000 images, 1 epoch, 3 rounds
    bench/compare_vit.py --limit 60000 --epochs 3 --rounds 1

Needs Debian's python3-torch (run with /usr/bin/python3) and dataset-fashion-mnist.
"""
import argparse
import pathlib
import re
import statistics
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
RESULT = re.compile(r"^RESULT (\w+) .*images_per_sec=([0-9.]+) test_accuracy=([0-9.]+)", re.M)


def run(command):
    """Runs one side and returns (images per second, test accuracy) from its RESULT line."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    match = RESULT.search(done.stdout)
    if done.returncode != 0 or not match:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}{done.stdout}")
    return float(match.group(2)), float(match.group(3))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", default=str(HERE.parent / "build" / "app" / "attnlab-cli"),
                        help="the attnlab-cli to time (default: build/app/attnlab-cli)")
    parser.add_argument("--limit", type=int, default=10000, help="training images")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    common = ["--limit", str(args.limit), "--epochs", str(args.epochs)]
    attnlab = [args.cli, "vit"] + common
    pytorch = [sys.executable, str(HERE / "vit_pytorch.py"), "--threads", "1"] + common
    ratios = []
    for r in range(args.rounds):
        ours, our_acc = run(attnlab)
        theirs, their_acc = run(pytorch)
        ratios.append(ours / theirs)
        print(f"round {r + 1}: AttnLab {ours:8.0f} images/s (test accuracy {our_acc:.4f}), "
              f"PyTorch {theirs:8.0f} images/s (test accuracy {their_acc:.4f}), "
              f"ratio {ours / theirs:.2f}", flush=True)
    print(f"AttnLab / PyTorch training speed: median {statistics.median(ratios):.2f}, "
          f"range {min(ratios):.2f} to {max(ratios):.2f} over {len(ratios)} rounds "
          f"({args.limit} images, {args.epochs} epoch(s), one thread each)")


if __name__ == "__main__":
    main()
