#!/usr/bin/python3
"""PyTorch side of the transformer benchmark: AttnLab's text transformer, trained on the CPU.

The model is that of core/transformer.h and the training that of core/texttrainer.h, so that
the speeds of the two compare like for like:

  inputs    x = tok[ids] + pos[0..T)                                  T x E
  blocks    L pre-norm blocks:
              x = x + Wo . MHA(LN1(x)) + bo       N heads of H/N; Q, K, V without bias;
                                                  softmax(Q K^T / sqrt(H/N)), causal mask,
                                                  padding masked on the key axis only
              x = x + W2 . GELU(W1 . LN2(x) + b1) + b2     MLP of width F, exact GELU
  output    final LayerNorm (eps 1e-5), then Linear(E, V) with bias; cross-entropy, the mean
            over every position of the batch that has a target (padding has none)

Data: the 'agreement' preset (resources/corpora/agreement.txt), one sentence per line with
<start> (id 0) in front; the vocabulary in order of first appearance. Targets: each token
predicts the next, the last one wraps round to <start>. Batches of B sentences padded (with
id 0, no target) to the longest of the batch; the order reshuffled every epoch.

Training: Adam (lr 3e-3 and seed 5, as `attnlab-cli transformer`), dropout 0, float32.

The starting weights and the epoch orders are AttnLab's own for the seed (its generator is in
toy_pytorch.py; the order is a Fisher-Yates shuffle from the stream seed ^ 0x165667b19e3779f9,
drawn afresh from 0 .. S-1 each epoch), so the steps timed here train the same run as
`attnlab-cli transformer` and reach the same losses. AttnLab runs each sentence of a batch
through the model on its own; here the batch goes through as one (B, T, E) tensor, the way
PyTorch is used.

For each size: WARMUP steps, then STEPS timed optimizer steps (time.perf_counter), and a line
    RESULT pytorch transformer L=2 N=4 E=32 batch=8 steps_per_sec=...

Run with Debian's interpreter, which has python3-torch:
    /usr/bin/python3 bench/transformer_pytorch.py --threads 1
    /usr/bin/python3 bench/transformer_pytorch.py --sizes 1,2,16,8 2,4,32,8 --steps 100
"""

import argparse
import math
import pathlib
import re
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ in bench/ for the import below
from toy_pytorch import AttnLabRng, blas_library, next_token_targets  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parent / "resources" / "corpora" / "agreement.txt"
# The sizes of bench/bench_transformer.cpp: (L, N, E, batch), with H = E and F = 2E.
DEFAULT_SIZES = [(1, 2, 16, 8), (2, 4, 32, 8), (2, 4, 64, 16), (4, 8, 128, 16)]
ORDER_STREAM = 0x165667b19e3779f9  # core/texttrainer.cpp: kOrderStream
NO_TARGET = -1                     # kNoTarget
WORD = re.compile(r"[A-Za-z0-9']+")  # AttnLab's word characters, for ASCII text


# ----------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------

def read_corpus(path):
    """(vocabulary, sentences as id lists with <start> = 0 in front), as core/corpus.cpp reads
    a text: one sentence per non-blank line, words lower-cased, a leading "<start>" dropped.
    Only ASCII text is handled (the presets are ASCII)."""
    text = pathlib.Path(path).read_text(encoding="utf-8")
    if not text.isascii():
        sys.exit(f"{path}: this script reads ASCII text only")
    vocab, index, sentences = ["<start>"], {"<start>": 0}, []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("<start>"):
            line = line[len("<start>"):]
        words = [w.lower() for w in WORD.findall(line)]
        if not words:
            continue
        for w in words:
            if w not in index:
                index[w] = len(vocab)
                vocab.append(w)
        sentences.append([0] + [index[w] for w in words])
    return vocab, sentences


def padded(sentences, context):
    """Every sentence's ids and targets padded to the context, and the lengths: (S, T) ids
    (padding id 0), (S, T) targets (NO_TARGET on padding), (S,) lengths."""
    count = len(sentences)
    ids = torch.zeros(count, context, dtype=torch.long)
    targets = torch.full((count, context), NO_TARGET, dtype=torch.long)
    lengths = torch.zeros(count, dtype=torch.long)
    for s, sentence in enumerate(sentences):
        n = len(sentence)
        ids[s, :n] = torch.tensor(sentence)
        targets[s, :n] = torch.tensor(next_token_targets(sentence))
        lengths[s] = n
    return ids, targets, lengths


def epoch_order(rng, count):
    """The order of one epoch, as TextTrainer::batchOrder: 0 .. count-1 shuffled by
    Fisher-Yates from the last place down, with the trainer's own generator."""
    order = list(range(count))
    for i in range(count, 1, -1):
        j = rng.below(i)
        order[i - 1], order[j] = order[j], order[i - 1]
    return order


# ----------------------------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------------------------

class Attention(nn.Module):
    """Multi-head self-attention written out with matmuls, with a mask of allowed keys."""

    def __init__(self, embed, heads, head_size):
        super().__init__()
        self.heads = heads
        self.width = head_size // heads  # each head's width, H / N
        self.q = nn.Linear(embed, head_size, bias=False)
        self.k = nn.Linear(embed, head_size, bias=False)
        self.v = nn.Linear(embed, head_size, bias=False)
        self.out = nn.Linear(head_size, embed)  # Wo, bo

    def split(self, x):
        """(B, T, H) -> (B, N, T, H/N): head h takes columns h*H/N .. (h+1)*H/N - 1."""
        b, t, _ = x.shape
        return x.reshape(b, t, self.heads, self.width).transpose(1, 2)

    def forward(self, x, hidden):
        """hidden: (B, 1, T, T), True where a query may not see a key."""
        b, t, _ = x.shape
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.width)  # (B, N, T, T)
        weights = torch.softmax(scores.masked_fill(hidden, float("-inf")), dim=-1)
        heads = weights @ v                                        # (B, N, T, H/N)
        joined = heads.transpose(1, 2).reshape(b, t, self.heads * self.width)
        return self.out(joined)


class Block(nn.Module):
    """One pre-norm block: attention, then the MLP, each with a residual; no dropout."""

    def __init__(self, embed, heads, head_size, mlp_width):
        super().__init__()
        self.ln1 = nn.LayerNorm(embed, eps=1e-5)
        self.attn = Attention(embed, heads, head_size)
        self.ln2 = nn.LayerNorm(embed, eps=1e-5)
        self.fc1 = nn.Linear(embed, mlp_width)
        self.fc2 = nn.Linear(mlp_width, embed)

    def forward(self, x, hidden):
        x = x + self.attn(self.ln1(x), hidden)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))  # exact (erf) GELU


class TextTransformer(nn.Module):
    def __init__(self, vocab, context, layers, heads, embed, head_size, mlp_width):
        super().__init__()
        self.tok = nn.Embedding(vocab, embed)
        self.pos = nn.Embedding(context, embed)
        self.blocks = nn.ModuleList(Block(embed, heads, head_size, mlp_width)
                                    for _ in range(layers))
        self.lnf = nn.LayerNorm(embed, eps=1e-5)
        self.head = nn.Linear(embed, vocab)
        # True above the diagonal: the causal mask.
        self.register_buffer("later", torch.ones(context, context, dtype=torch.bool).triu(1))
        self.register_buffer("positions", torch.arange(context))

    @torch.no_grad()
    def load_attnlab_init(self, seed):
        """The starting weights AttnLab draws for `seed` (core/transformer.cpp), in its order:
        tok, pos N(0, 1); per block Wq, Wk, Wv, Wo, bo, W1, b1, W2, b2 uniform in
        +-1/sqrt(fan in); Wout, bout. Layer norms start at gamma 1, beta 0, as here. AttnLab
        keeps W as In x Out for x . W; nn.Linear keeps its transpose."""
        rng = AttnLabRng(seed)

        def linear(layer, fan_in):
            out_features, in_features = layer.weight.shape
            bound = 1.0 / math.sqrt(fan_in)
            layer.weight.copy_(rng.uniform_matrix(in_features, out_features, bound).T)
            if layer.bias is not None:
                layer.bias.copy_(rng.uniform_matrix(1, out_features, bound)[0])

        self.tok.weight.copy_(rng.normal_matrix(*self.tok.weight.shape))
        self.pos.weight.copy_(rng.normal_matrix(*self.pos.weight.shape))
        for block in self.blocks:
            embed, head_size = block.attn.q.in_features, block.attn.q.out_features
            for layer in (block.attn.q, block.attn.k, block.attn.v):
                linear(layer, embed)
            linear(block.attn.out, head_size)
            linear(block.fc1, embed)
            linear(block.fc2, block.fc2.in_features)
        linear(self.head, self.head.in_features)

    def forward(self, ids, lengths):
        """ids: (B, T) padded, lengths: (B,) real tokens -> logits (B, T, V)."""
        t = ids.shape[1]
        x = self.tok(ids) + self.pos.weight[:t]
        padding = self.positions[:t] >= lengths[:, None]           # (B, T): keys to hide
        hidden = self.later[:t, :t] | padding[:, None, None, :]     # (B, 1, T, T)
        for block in self.blocks:
            x = block(x, hidden)
        return self.head(self.lnf(x))


# ----------------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------------

class Run:
    """One training run at one size: its model, optimizer, data and epoch bookkeeping."""

    def __init__(self, args, vocab, data, size):
        layers, heads, embed, batch = size
        self.batch = batch
        self.ids, self.targets, self.lengths = data
        self.vocab_size = len(vocab)
        self.model = TextTransformer(len(vocab), args.context, layers, heads, embed,
                                     head_size=embed, mlp_width=2 * embed)
        self.model.load_attnlab_init(args.seed)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=args.lr)
        self.rng = AttnLabRng(args.seed ^ ORDER_STREAM)
        self.order = epoch_order(self.rng, len(self.lengths))
        self.next = 0                # place in the order of the next batch
        self.epoch_sum, self.epoch_batches = 0.0, 0
        self.epoch_losses = []       # mean batch loss of each completed epoch

    def step(self):
        """One optimizer step on the next batch, padded to its longest sentence."""
        chosen = torch.tensor(self.order[self.next:self.next + self.batch])
        lengths = self.lengths[chosen]
        longest = int(lengths.max())
        ids, targets = self.ids[chosen, :longest], self.targets[chosen, :longest]
        logits = self.model(ids, lengths)
        # The mean over every position with a target, as AttnLab's batch loss.
        loss = F.cross_entropy(logits.reshape(-1, self.vocab_size), targets.reshape(-1),
                               ignore_index=NO_TARGET)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()

        self.epoch_sum += loss.item()
        self.epoch_batches += 1
        self.next += len(chosen)
        if self.next == len(self.order):
            self.epoch_losses.append(self.epoch_sum / self.epoch_batches)
            self.epoch_sum, self.epoch_batches = 0.0, 0
            self.next = 0
            self.order = epoch_order(self.rng, len(self.lengths))


def parse_size(text):
    try:
        size = tuple(int(v) for v in text.split(","))
    except ValueError:
        size = ()
    if len(size) != 4 or min(size) < 1:
        raise argparse.ArgumentTypeError(f"expected L,N,E,batch (four whole numbers), "
                                         f"not {text!r}")
    if size[2] % size[1] != 0:
        raise argparse.ArgumentTypeError(f"{text}: E = H = {size[2]} must be a multiple "
                                         f"of N = {size[1]}")
    return size


def parse_args():
    ap = argparse.ArgumentParser(description="Time optimizer steps of AttnLab's text "
                                             "transformer in PyTorch (CPU).")
    ap.add_argument("--steps", type=int, default=300, help="timed steps per size")
    ap.add_argument("--warmup", type=int, default=20, help="untimed steps before them")
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    ap.add_argument("--sizes", type=parse_size, nargs="+", default=DEFAULT_SIZES,
                    metavar="L,N,E,B",
                    help="layers, heads, width (H = E, F = 2E), batch; default: the four of "
                         "bench/bench_transformer.cpp")
    ap.add_argument("--context", type=int, default=12, help="T: longest sentence taken")
    ap.add_argument("--lr", type=float, default=3e-3, help="Adam's learning rate")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="one sentence per line")
    args = ap.parse_args()
    if args.steps < 1 or args.warmup < 0 or args.threads < 1 or args.seed < 0:
        ap.error("--steps and --threads must be at least 1, --warmup and --seed at least 0")
    return args


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)  # nothing here draws from it; set for good measure

    vocab, sentences = read_corpus(args.corpus)
    longest = max(len(s) for s in sentences)
    if longest > args.context:
        sys.exit(f"a sentence has {longest} tokens (<start> included) but the context is "
                 f"{args.context}")
    data = padded(sentences, args.context)

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, float32; "
          f"{len(sentences)} sentences, vocabulary {len(vocab)}, longest {longest} tokens, "
          f"context {args.context}; seed {args.seed}, learning rate {args.lr:g}; "
          f"{args.warmup} warm-up + {args.steps} timed steps per size")
    print(f"BLAS library: {blas_library()}")
    sys.stdout.flush()

    for size in args.sizes:
        layers, heads, embed, batch = size
        run = Run(args, vocab, data, size)
        params = sum(p.numel() for p in run.model.parameters())
        for _ in range(args.warmup):
            run.step()
        start = time.perf_counter()
        for _ in range(args.steps):
            run.step()
        seconds = time.perf_counter() - start

        per_epoch = math.ceil(len(sentences) / batch)
        epochs = len(run.epoch_losses)
        last = f"{run.epoch_losses[-1]:.4f}" if epochs else "none"
        rate = args.steps / seconds
        print(f"L={layers} N={heads} E={embed} H={embed} F={2 * embed} batch={batch}: "
              f"{params} parameters, {per_epoch} steps per epoch; {args.steps} steps in "
              f"{seconds:.3f} s = {rate:.1f} steps per second; loss of epoch {epochs}: {last}")
        print(f"RESULT pytorch transformer L={layers} N={heads} E={embed} batch={batch} "
              f"steps_per_sec={rate:.2f} sentences_per_sec={rate * batch:.1f} "
              f"steps={args.steps} seconds={seconds:.4f} epochs_done={epochs} "
              f"last_epoch_loss={last} threads={torch.get_num_threads()}", flush=True)


if __name__ == "__main__":
    main()
