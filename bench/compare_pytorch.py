#!/usr/bin/python3
"""AttnLab against PyTorch on the CPU: the toy head, the text transformer and (optionally) ViT.

The same models and steps on both sides.

Runs `attnlab-cli` and the PyTorch scripts of bench/ in turn, ROUNDS times each (alternating,
so that both see the same load on a shared machine), and prints each side's speed per round
and the ratio AttnLab / PyTorch (above 1: AttnLab is faster), with its median and range over
the rounds, then a summary table. PyTorch runs on one thread, as AttnLab does.

  toy           `attnlab-cli train --lesson` (5000 epochs, 10 000 steps) against
                bench/toy_pytorch.py: microseconds per step of the whole recipe
  transformer   `attnlab-cli transformer --preset agreement` at the sizes of
                bench/bench_transformer.cpp, against bench/transformer_pytorch.py: optimizer
                steps per second. Both train the same number of steps: PyTorch WARMUP untimed
                steps and then timed ones, AttnLab whole epochs (ceil(320 / B) steps each),
                all timed, as many as that makes
  vit           (--with-vit) bench/compare_vit.py's runs: training images per second

For the toy and the transformer both sides start from the same weights and take the same
steps, so each round also shows the two final losses, which should agree. At the largest
transformer size they drift apart after some ten epochs: float32 rounding grows there, and
PyTorch in float64 drifts as far from PyTorch in float32. (The ViT runs start from different
weights: vit_pytorch.py draws PyTorch's own.)

PyTorch's speed on the larger matrices depends on the BLAS library behind it, which the
summary names. Debian's python3-torch calls libblas.so.3, the slow reference BLAS unless
OpenBLAS or BLIS is installed; AttnLab uses Eigen's own kernels. Both sides run under the
environment this script is started with (e.g. OPENBLAS_NUM_THREADS=1 for one thread).

    bench/compare_pytorch.py --quick          # a smoke test: fewer steps, one round
    nice -n 10 bench/compare_pytorch.py       # 3 rounds
    bench/compare_pytorch.py --rounds 5 --with-vit
    bench/compare_pytorch.py --only toy --rounds 5

Needs Debian's python3-torch (run with /usr/bin/python3); --with-vit needs
dataset-fashion-mnist.
"""
import argparse
import math
import os
import pathlib
import re
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
AGREEMENT = HERE.parent / "resources" / "corpora" / "agreement.txt"
# bench/bench_transformer.cpp's sizes: (L, N, E, batch), with H = E and F = 2E.
SIZES = [(1, 2, 16, 8), (2, 4, 32, 8), (2, 4, 64, 16), (4, 8, 128, 16)]
CONTEXT = 12
CLI_WAIT_SECONDS = 300  # how long to wait for an attnlab-cli that others are rebuilding

ATTNLAB_TOY = re.compile(r"(\d+) optimizer steps in ([0-9.]+) s = ([0-9.]+) us per step")
ATTNLAB_TRANSFORMER = re.compile(
    r"(\d+) optimizer steps in ([0-9.]+) s = ([0-9.]+) steps per second")
ATTNLAB_FINAL_LOSS = re.compile(r"^final loss ([0-9.]+)", re.M)
PYTORCH_TOY = re.compile(r"^RESULT pytorch toy steps=(\d+) .*us_per_step=([0-9.]+) "
                         r"final_loss=([0-9.]+)", re.M)
PYTORCH_BLAS = re.compile(r"^BLAS library: (.*)$", re.M)
PYTORCH_TRANSFORMER = re.compile(r"^RESULT pytorch transformer .*steps_per_sec=([0-9.]+) "
                                 r".*steps=(\d+) .*last_epoch_loss=(\S+)", re.M)


# ----------------------------------------------------------------------------------------------
# Running one side
# ----------------------------------------------------------------------------------------------

def wait_for(path):
    """Waits while `path` is missing (another developer rebuilding it), up to a limit."""
    waited = 0
    while not os.access(path, os.X_OK):
        if waited >= CLI_WAIT_SECONDS:
            sys.exit(f"{path} is missing or not executable (waited {waited} s)")
        if waited == 0:
            print(f"  ({path} is missing, perhaps being rebuilt: waiting)", flush=True)
        time.sleep(5)
        waited += 5


def run(command, pattern, cli=None):
    """Runs one side and returns the match of `pattern` in its output, and the output. For
    AttnLab (`cli` given), waits for the binary and tries again twice if a run fails, as the
    binary may be replaced while it is rebuilt."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    tries = 3 if cli else 1
    for attempt in range(1, tries + 1):
        if cli:
            wait_for(cli)
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
        except OSError as error:  # e.g. the binary vanished between the check and the start
            done = subprocess.CompletedProcess(command, 127, "", f"{error}\n")
        match = pattern.search(done.stdout)
        if done.returncode == 0 and match:
            return match, done.stdout
        if attempt < tries:
            print(f"  ({command[0]} failed ({done.returncode}); trying again)", flush=True)
            time.sleep(10)
    sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}{done.stdout}")


def final_loss(output):
    match = ATTNLAB_FINAL_LOSS.search(output)
    return match.group(1) if match else "?"


# ----------------------------------------------------------------------------------------------
# The comparisons: each returns (AttnLab figure, PyTorch figure, ratio, note) for one round
# ----------------------------------------------------------------------------------------------

def toy_round(args):
    epochs = str(args.toy_epochs)
    attnlab = [args.cli, "train", "--lesson", "--log-every", "0", "--epochs", epochs]
    pytorch = [sys.executable, str(HERE / "toy_pytorch.py"), "--threads", "1",
               "--epochs", epochs]
    ours, our_output = run(attnlab, ATTNLAB_TOY, cli=args.cli)
    theirs, their_output = run(pytorch, PYTORCH_TOY)
    blas = PYTORCH_BLAS.search(their_output)
    args.pytorch_blas = blas.group(1) if blas else "unknown"
    our_us, their_us = float(ours.group(3)), float(theirs.group(2))
    note = f"final loss {final_loss(our_output)} / {theirs.group(3)}"
    return our_us, their_us, their_us / our_us, note


def transformer_plan(args, batch):
    """(AttnLab epochs, PyTorch timed steps): whole epochs for AttnLab covering at least
    WARMUP + STEPS steps, and the PyTorch steps that make the same total."""
    per_epoch = math.ceil(args.sentences / batch)
    epochs = math.ceil((args.warmup + args.steps) / per_epoch)
    return epochs, epochs * per_epoch - args.warmup


def transformer_round(args, size):
    layers, heads, embed, batch = size
    epochs, steps = transformer_plan(args, batch)
    attnlab = [args.cli, "transformer", "--preset", "agreement", "--layers", str(layers),
               "--heads", str(heads), "--embed", str(embed), "--head-size", str(embed),
               "--mlp-width", str(2 * embed), "--batch", str(batch), "--context", str(CONTEXT),
               "--epochs", str(epochs), "--log-every", "0"]
    pytorch = [sys.executable, str(HERE / "transformer_pytorch.py"), "--threads", "1",
               "--sizes", f"{layers},{heads},{embed},{batch}", "--context", str(CONTEXT),
               "--steps", str(steps), "--warmup", str(args.warmup)]
    ours, our_output = run(attnlab, ATTNLAB_TRANSFORMER, cli=args.cli)
    theirs, _ = run(pytorch, PYTORCH_TRANSFORMER)
    our_rate, their_rate = float(ours.group(3)), float(theirs.group(1))
    note = (f"{ours.group(1)} steps / {args.warmup} + {theirs.group(2)}, "
            f"final loss {final_loss(our_output)} / {theirs.group(3)}")
    return our_rate, their_rate, our_rate / their_rate, note


def vit_round(args):
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(HERE))
    import compare_vit  # bench/compare_vit.py: its run() and RESULT pattern

    wait_for(args.cli)
    common = ["--limit", str(args.vit_limit), "--epochs", "1"]
    ours, our_acc = compare_vit.run([args.cli, "vit"] + common)
    theirs, their_acc = compare_vit.run(
        [sys.executable, str(HERE / "vit_pytorch.py"), "--threads", "1"] + common)
    note = f"test accuracy {our_acc:.4f} / {their_acc:.4f}"
    return ours, theirs, ours / theirs, note


# ----------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------

def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", default=str(HERE.parent / "build" / "app" / "attnlab-cli"),
                        help="the attnlab-cli to time (default: build/app/attnlab-cli)")
    parser.add_argument("--rounds", type=int, default=None, help="default 3 (1 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke test: one round, 500 toy epochs, 60 transformer steps, "
                             "2000 ViT images")
    parser.add_argument("--with-vit", action="store_true",
                        help="also the Vision Transformer (slow: 10 000 images per run)")
    parser.add_argument("--steps", type=int, default=None,
                        help="transformer: timed PyTorch steps per size (default 300)")
    parser.add_argument("--warmup", type=int, default=20,
                        help="transformer: untimed PyTorch steps first (default 20)")
    parser.add_argument("--only", choices=["toy", "transformer", "vit"], default=None,
                        help="run only this comparison (vit implies --with-vit)")
    args = parser.parse_args()
    args.with_vit = args.with_vit or args.only == "vit"
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.steps = args.steps or (60 if args.quick else 300)
    args.toy_epochs = 500 if args.quick else 5000
    args.vit_limit = 2000 if args.quick else 10000
    if args.rounds < 1 or args.steps < 1 or args.warmup < 0:
        parser.error("--rounds and --steps must be at least 1, --warmup at least 0")
    args.cli = str(pathlib.Path(args.cli).resolve())
    with open(AGREEMENT, encoding="utf-8") as f:
        args.sentences = sum(1 for line in f if line.strip())
    return args


def main():
    args = parse_args()
    comparisons = [("toy", "us/step", lambda: toy_round(args))]
    for size in SIZES:
        name = "transformer L={} N={} E={} B={}".format(*size)
        comparisons.append((name, "steps/s", lambda size=size: transformer_round(args, size)))
    if args.with_vit:
        comparisons.append(("vit", "images/s", lambda: vit_round(args)))
    if args.only:
        comparisons = [c for c in comparisons if c[0].split()[0] == args.only]

    print(f"AttnLab: {args.cli}; PyTorch: {sys.executable}, one thread each; "
          f"{args.rounds} round(s); toy {args.toy_epochs} epochs; transformer "
          f"{args.warmup} + {args.steps} PyTorch steps, context {CONTEXT}"
          + (f"; ViT {args.vit_limit} images" if args.with_vit else ""), flush=True)
    print("speed ratio = AttnLab speed / PyTorch speed (above 1: AttnLab faster); "
          "figures are AttnLab / PyTorch", flush=True)

    results = {name: [] for name, _, _ in comparisons}
    for r in range(1, args.rounds + 1):
        print(f"\nround {r}", flush=True)
        for name, unit, compare in comparisons:
            ours, theirs, ratio, note = compare()
            results[name].append((ours, theirs, ratio))
            print(f"  {name:32s} AttnLab {ours:10.2f} {unit:8s} PyTorch {theirs:10.2f} "
                  f"{unit:8s} ratio {ratio:6.2f}   ({note})", flush=True)

    print(f"\nper comparison, over {args.rounds} round(s):")
    for name, unit, _ in comparisons:
        ratios = [ratio for _, _, ratio in results[name]]
        print(f"  {name}: ratios {' '.join(f'{x:.2f}' for x in ratios)}; "
              f"median {statistics.median(ratios):.2f}, range {min(ratios):.2f} to "
              f"{max(ratios):.2f}")

    print("\nsummary (medians over the rounds)")
    header = (f"{'comparison':32s} {'unit':8s} {'AttnLab':>10s} {'PyTorch':>10s} "
              f"{'ratio':>6s} {'range':>13s}")
    print(header)
    print("-" * len(header))
    for name, unit, _ in comparisons:
        ours = statistics.median(x for x, _, _ in results[name])
        theirs = statistics.median(y for _, y, _ in results[name])
        ratios = [ratio for _, _, ratio in results[name]]
        print(f"{name:32s} {unit:8s} {ours:10.2f} {theirs:10.2f} "
              f"{statistics.median(ratios):6.2f} {min(ratios):6.2f}-{max(ratios):<6.2f}")
    print(f"PyTorch's BLAS library: {args.pytorch_blas}")


if __name__ == "__main__":
    main()
