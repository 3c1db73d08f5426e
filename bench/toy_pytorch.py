#!/usr/bin/python3
"""PyTorch side of the toy benchmark: the lesson's single attention head, trained on the CPU.

The model and recipe are those of AttnLab's toy head (core/toymodel.h, core/trainer.h), so
that the training times of the two compare like for like:

  vocabulary  <start> the man chicken ordered woman beef (the deck's order, V = 7)
  sentences   <start> man ordered the chicken;  <start> woman ordered the beef (T = 5)
  targets     each token predicts the next one; the last one wraps round to <start>
  inputs      X = tok[ids] + pos[0..T)                        T x E, E = V
  head        Q = X Wq, K = X Wk (T x H), values X Wv (T x V), no biases
              weights = softmax(Q K^T / sqrt(H)), minus infinity above the diagonal
  output      logits = weights . values + X (the skip connection); softmax over the
              vocabulary; loss = mean over the T positions of -log p(target)

Training: Adam (lr 1e-4, betas 0.9 / 0.999, eps 1e-8), 5000 epochs, and in each epoch one
step per sentence in corpus order (10 000 steps), float32 as AttnLab's trainer.

Starting weights: by default the very numbers AttnLab draws for the seed (its Rng: the
64-bit Mersenne Twister, uniforms from the top 53 bits, normals by Box-Muller; drawn in the
order tok, pos, Wq, Wk, Wv), so that both train the same run and end at the same loss.
--init torch draws them with torch.manual_seed and PyTorch's default initializers instead.

Run with Debian's interpreter, which has python3-torch:
    /usr/bin/python3 bench/toy_pytorch.py --threads 1
"""

import argparse
import math
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

LESSON_VOCAB = ["<start>", "the", "man", "chicken", "ordered", "woman", "beef"]
LESSON_SENTENCES = ["man ordered the chicken", "woman ordered the beef"]
LESSON_SEED = 83
CONTEXT = 5  # the window's default context: the lesson's sentences have 5 tokens


# ----------------------------------------------------------------------------------------------
# AttnLab's random numbers (core/random.h), so that both sides start from the same weights
# ----------------------------------------------------------------------------------------------

MASK64 = (1 << 64) - 1


class AttnLabRng:
    """The generator of core/random.cpp: std::mt19937_64 and AttnLab's own transforms.

    The Mersenne Twister is written out here from its published definition (MT19937-64:
    312 words of state, middle word 156, the seeding multiplier 6364136223846793005) and
    computes a whole block of 312 outputs at a time with numpy."""

    N, M = 312, 156
    MATRIX_A = np.uint64(0xB5026F5AA96619E9)
    UPPER = np.uint64(0xFFFFFFFF80000000)  # the top 33 bits of a word
    LOWER = np.uint64(0x7FFFFFFF)          # the low 31 bits

    def __init__(self, seed):
        words = [seed & MASK64]
        for i in range(1, self.N):
            prev = words[-1]
            words.append((6364136223846793005 * (prev ^ (prev >> 62)) + i) & MASK64)
        self.state = np.array(words, dtype=np.uint64)
        self.block = None      # the tempered outputs of the current state
        self.block_ints = None
        self.index = self.N    # next output in the block; N: twist first
        self.spare = None      # Box-Muller makes normals in pairs

    def _mix(self, current, following):
        """The twist of words `current` with the low bits of the words that follow them."""
        y = (current & self.UPPER) | (following & self.LOWER)
        odd = (y & np.uint64(1)).astype(bool)
        return (y >> np.uint64(1)) ^ np.where(odd, self.MATRIX_A, np.uint64(0))

    def _twist(self):
        """The next state. Word i becomes word i+M XOR the mix of words i and i+1, updated in
        order 0 .. N-1; the three slices below keep that order's old and new values."""
        mt, n, m = self.state, self.N, self.M
        mt[:n - m] = mt[m:] ^ self._mix(mt[:n - m], mt[1:n - m + 1])           # old i+M
        mt[n - m:n - 1] = mt[:m - 1] ^ self._mix(mt[n - m:n - 1], mt[n - m + 1:])  # new i+M-N
        mt[n - 1:] = mt[m - 1:m] ^ self._mix(mt[n - 1:], mt[:1])              # wraps to word 0
        y = mt.copy()  # tempering
        y ^= (y >> np.uint64(29)) & np.uint64(0x5555555555555555)
        y ^= (y << np.uint64(17)) & np.uint64(0x71D67FFFEDA60000)
        y ^= (y << np.uint64(37)) & np.uint64(0xFFF7EEE000000000)
        y ^= y >> np.uint64(43)
        self.block = y
        self.block_ints = y.tolist()  # the same as Python ints, for one draw at a time
        self.index = 0

    def raw(self, count):
        """The next `count` 64-bit outputs, as a numpy uint64 array."""
        parts = []
        while count > 0:
            if self.index == self.N:
                self._twist()
            take = min(count, self.N - self.index)
            parts.append(self.block[self.index:self.index + take])
            self.index += take
            count -= take
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)

    def raw1(self):
        """The next 64-bit output as a Python int."""
        if self.index == self.N:
            self._twist()
        self.index += 1
        return self.block_ints[self.index - 1]

    def uniforms(self, count):
        """`count` doubles uniform in [0, 1): the top 53 bits of each output times 2^-53."""
        return (self.raw(count) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53

    def uniform(self):
        return (self.raw1() >> 11) * 2.0 ** -53

    def normal(self):
        """N(0, 1) by Box-Muller, the sine half kept for the next call, as core/random.cpp."""
        if self.spare is not None:
            value, self.spare = self.spare, None
            return value
        radius = math.sqrt(-2.0 * math.log(1.0 - self.uniform()))
        angle = 2.0 * math.pi * self.uniform()
        self.spare = radius * math.sin(angle)
        return radius * math.cos(angle)

    def below(self, n):
        """A uniform integer in [0, n), by rejection, as Rng::below."""
        limit = MASK64 - MASK64 % n
        r = self.raw1()
        while r >= limit:
            r = self.raw1()
        return r % n

    def normal_matrix(self, rows, cols):
        """rows x cols float32 of N(0, 1), filled row by row (AttnLab's matrices are
        row-major)."""
        values = [self.normal() for _ in range(rows * cols)]
        return torch.tensor(values, dtype=torch.float64).float().reshape(rows, cols)

    def uniform_matrix(self, rows, cols, bound):
        """rows x cols float32 uniform in [-bound, bound), filled row by row: lo + (hi - lo) u
        in double, then rounded to float."""
        values = -bound + (bound - -bound) * self.uniforms(rows * cols)
        return torch.from_numpy(values.astype(np.float32)).reshape(rows, cols)


def blas_library():
    """The BLAS library this process loaded (Linux: from /proc/self/maps), as a path. PyTorch's
    speed on larger matrices depends on it: Debian's python3-torch calls libblas.so.3, which
    is the slow reference BLAS unless an optimized one (OpenBLAS, BLIS) is installed."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.rsplit("/", 1)[-1]}
    except OSError:
        return "unknown"
    return ", ".join(sorted(paths)) or "none found"


# ----------------------------------------------------------------------------------------------
# The lesson's sentences
# ----------------------------------------------------------------------------------------------

def next_token_targets(ids):
    """Each token predicts the one after it; the last one wraps round to <start>."""
    return ids[1:] + ids[:1]


def lesson_ids():
    """The two sentences as ids in the deck's vocabulary order, <start> (0) in front."""
    return [[0] + [LESSON_VOCAB.index(word) for word in line.split()]
            for line in LESSON_SENTENCES]


# ----------------------------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------------------------

class ToyHead(nn.Module):
    """One causal attention head with a skip connection, E = V (no biases anywhere)."""

    def __init__(self, vocab, context, head_size):
        super().__init__()
        self.head_size = head_size
        self.tok = nn.Embedding(vocab, vocab)
        self.pos = nn.Embedding(context, vocab)
        self.wq = nn.Linear(vocab, head_size, bias=False)
        self.wk = nn.Linear(vocab, head_size, bias=False)
        self.wv = nn.Linear(vocab, vocab, bias=False)
        hidden = torch.ones(context, context, dtype=torch.bool).triu(diagonal=1)
        self.register_buffer("hidden", hidden)  # True above the diagonal: the causal mask

    @torch.no_grad()
    def load_attnlab_init(self, seed):
        """The starting weights AttnLab draws for `seed` (core/toymodel.cpp): embeddings
        N(0, 1), projections uniform in +-1/sqrt(E), in the order tok, pos, Wq, Wk, Wv.
        AttnLab keeps Wq as E x H for X . Wq; nn.Linear keeps its transpose."""
        rng = AttnLabRng(seed)
        vocab, context = self.tok.weight.shape[0], self.pos.weight.shape[0]
        bound = 1.0 / math.sqrt(vocab)
        self.tok.weight.copy_(rng.normal_matrix(vocab, vocab))
        self.pos.weight.copy_(rng.normal_matrix(context, vocab))
        self.wq.weight.copy_(rng.uniform_matrix(vocab, self.head_size, bound).T)
        self.wk.weight.copy_(rng.uniform_matrix(vocab, self.head_size, bound).T)
        self.wv.weight.copy_(rng.uniform_matrix(vocab, vocab, bound).T)

    def forward(self, ids, positions):
        """ids, positions: (T,) -> logits (T, V)."""
        t = ids.shape[0]
        x = self.tok(ids) + self.pos(positions)                        # T x E
        q, k, values = self.wq(x), self.wk(x), self.wv(x)
        scores = q @ k.T / math.sqrt(self.head_size)                   # T x T
        scores = scores.masked_fill(self.hidden[:t, :t], float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        return weights @ values + x                                    # the skip connection


# ----------------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------------

def parse_args():
    ap = argparse.ArgumentParser(description="Train AttnLab's toy attention head on the lesson "
                                             "in PyTorch (CPU) and time it.")
    ap.add_argument("--epochs", type=int, default=5000, help="one step per sentence in each")
    ap.add_argument("--head-size", type=int, default=20, help="H: query/key width")
    ap.add_argument("--lr", type=float, default=1e-4, help="Adam's learning rate")
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    ap.add_argument("--seed", type=int, default=LESSON_SEED)
    ap.add_argument("--init", choices=("attnlab", "torch"), default="attnlab",
                    help="starting weights: AttnLab's for the seed (default), or PyTorch's "
                         "default initializers after torch.manual_seed")
    args = ap.parse_args()
    for name in ("epochs", "head_size", "threads"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.seed < 0:
        ap.error("--seed must be 0 or more")
    return args


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    sentences = lesson_ids()
    model = ToyHead(len(LESSON_VOCAB), CONTEXT, args.head_size)
    if args.init == "attnlab":
        model.load_attnlab_init(args.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    # Everything a step needs, made once: ids, positions and targets of each sentence.
    data = [(torch.tensor(ids), torch.arange(len(ids)), torch.tensor(next_token_targets(ids)))
            for ids in sentences]

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, float32; "
          f"seed {args.seed} ({args.init} initialization), epochs {args.epochs}, "
          f"learning rate {args.lr:g}, head size {args.head_size}, context {CONTEXT}")
    print(f"vocabulary: {' '.join(LESSON_VOCAB)}")
    print(f"BLAS library: {blas_library()}")
    sys.stdout.flush()

    # The training loop, timed as AttnLab times its own: every step, the loss of each kept
    # for the epoch's mean.
    epoch_losses = []
    start = time.perf_counter()
    for _ in range(args.epochs):
        total = 0.0
        for ids, positions, targets in data:
            loss = F.cross_entropy(model(ids, positions), targets)  # mean over the T positions
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item()
        epoch_losses.append(total / len(data))
    seconds = time.perf_counter() - start

    steps = args.epochs * len(data)
    for epoch in sorted({1, *range(1000, args.epochs + 1, 1000), args.epochs}):
        print(f"  epoch {epoch:5d}   mean loss {epoch_losses[epoch - 1]:.4f}")
    print(f"  {steps} optimizer steps in {seconds:.3f} s = {1e6 * seconds / steps:.2f} us per step")
    print(f"final loss {epoch_losses[-1]:.4f}")
    print(f"RESULT pytorch toy steps={steps} seconds={seconds:.4f} "
          f"us_per_step={1e6 * seconds / steps:.2f} final_loss={epoch_losses[-1]:.4f} "
          f"threads={torch.get_num_threads()}")


if __name__ == "__main__":
    main()
