#!/usr/bin/python3
"""PyTorch side of the Vision Transformer benchmark.

Trains on Fashion-MNIST, on the CPU, the same Vision Transformer that AttnLab's C++ core
implements (core/vit.h), so that the training times of the two compare like for like:

  patches   the 28x28 image cut into PxP patches, left to right then top to bottom; the
            pixels of a patch flattened row-major; patch embedding Linear(P*P, E) with bias
  tokens    row 0 a learned class token (1xE), then one row per patch; a learned position
            embedding (T x E, T = patches + 1) added to every row
  encoder   L pre-norm blocks:
              x = x + Wo . MHA(LN1(x)) + bo         (N heads sharing a total width H)
              x = x + W2 . GELU(W1 . LN2(x) + b1) + b2
            Q, K, V without bias, softmax(Q K^T / sqrt(H/N)) V, no mask, exact GELU
  output    final LayerNorm, then Linear(E, 10) on the class token's row; cross-entropy

Training: Adam (lr 1e-3 by default), mini-batches of 64 (the last one smaller), the order
reshuffled every epoch from a seeded generator, dropout 0, float32.

Run with Debian's interpreter, which has python3-torch:
    /usr/bin/python3 bench/vit_pytorch.py --threads 1
"""

import argparse
import gzip
import math
import os
import struct
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"
CLASSES = 10


# ----------------------------------------------------------------------------------------------
# Data: the IDX files of Fashion-MNIST, read with gzip and numpy
# ----------------------------------------------------------------------------------------------

def read_idx(path, magic, dims):
    """The array in a gzipped IDX file: a big-endian header (magic, then one 32-bit size per
    dimension) followed by unsigned bytes."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    found = struct.unpack(">I", data[:4])[0]
    if found != magic:
        raise ValueError(f"{path}: magic {found:#x}, expected {magic:#x}")
    sizes = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    header = 4 + 4 * dims
    count = int(np.prod(sizes))
    if len(data) - header != count:
        raise ValueError(f"{path}: {len(data) - header} bytes of data, expected {count}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(sizes)


def load_set(folder, prefix):
    """Images as a float32 tensor (n, 28, 28), pixels / 255 in [0, 1], and int64 labels."""
    images = read_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"), 0x803, 3)
    labels = read_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"), 0x801, 1)
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{prefix}: {images.shape[0]} images but {labels.shape[0]} labels")
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


# ----------------------------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------------------------

def patchify(images, p):
    """(B, rows, cols) -> (B, patches, p*p). Patch i sits at grid row i // (cols / p), column
    i % (cols / p); within a patch the pixels are row-major."""
    b, rows, cols = images.shape
    grid_rows, grid_cols = rows // p, cols // p
    x = images.reshape(b, grid_rows, p, grid_cols, p)  # (B, gr, pr, gc, pc)
    x = x.permute(0, 1, 3, 2, 4)                        # (B, gr, gc, pr, pc)
    return x.reshape(b, grid_rows * grid_cols, p * p)


class Attention(nn.Module):
    """Multi-head self-attention written out with matmuls; no mask."""

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

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.width)  # (B, N, T, T)
        weights = torch.softmax(scores, dim=-1)
        heads = weights @ v                                        # (B, N, T, H/N)
        joined = heads.transpose(1, 2).reshape(b, t, self.heads * self.width)
        return self.out(joined)


class Block(nn.Module):
    """One pre-norm encoder block: attention, then the MLP, each with a residual."""

    def __init__(self, embed, heads, head_size, mlp_width, dropout):
        super().__init__()
        self.ln1 = nn.LayerNorm(embed, eps=1e-5)
        self.attn = Attention(embed, heads, head_size)
        self.ln2 = nn.LayerNorm(embed, eps=1e-5)
        self.fc1 = nn.Linear(embed, mlp_width)
        self.fc2 = nn.Linear(mlp_width, embed)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        x = x + self.drop(self.attn(self.ln1(x)))
        x = x + self.drop(self.fc2(F.gelu(self.fc1(self.ln2(x)))))  # exact (erf) GELU
        return x


class VisionTransformer(nn.Module):
    def __init__(self, args, rows=28, cols=28):
        super().__init__()
        p = args.patch
        self.patch = p
        patches = (rows // p) * (cols // p)
        e = args.embed
        self.embed = nn.Linear(p * p, e)
        self.cls = nn.Parameter(torch.randn(1, e) * 0.02)
        self.pos = nn.Parameter(torch.randn(patches + 1, e) * 0.02)
        self.blocks = nn.ModuleList(
            Block(e, args.heads, args.head_size, args.mlp_width, dropout=0.0)
            for _ in range(args.layers))
        self.lnf = nn.LayerNorm(e, eps=1e-5)
        self.head = nn.Linear(e, CLASSES)

    def forward(self, images):
        """(B, rows, cols) pixels in [0, 1] -> (B, CLASSES) logits."""
        tokens = self.embed(patchify(images, self.patch))            # (B, patches, E)
        cls = self.cls.expand(tokens.shape[0], 1, -1)                # (B, 1, E)
        x = torch.cat([cls, tokens], dim=1) + self.pos               # (B, T, E)
        for block in self.blocks:
            x = block(x)
        return self.head(self.lnf(x)[:, 0])                         # the class token's row


# ----------------------------------------------------------------------------------------------
# Training and evaluation
# ----------------------------------------------------------------------------------------------

@torch.no_grad()
def evaluate(model, x, y, batch=1000):
    """Mean cross-entropy and accuracy over the whole set."""
    model.eval()
    loss_sum, correct = 0.0, 0
    for i in range(0, x.shape[0], batch):
        logits = model(x[i:i + batch])
        labels = y[i:i + batch]
        loss_sum += F.cross_entropy(logits, labels, reduction="sum").item()
        correct += (logits.argmax(dim=1) == labels).sum().item()
    model.train()
    return loss_sum / x.shape[0], correct / x.shape[0]


def train_epoch(model, optimizer, x, y, batch, generator):
    """One pass over the training set in a fresh shuffled order. Returns the mean loss per
    image."""
    order = torch.randperm(x.shape[0], generator=generator)
    loss_sum = 0.0
    for i in range(0, x.shape[0], batch):
        idx = order[i:i + batch]
        loss = F.cross_entropy(model(x[idx]), y[idx])  # mean over the batch
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * idx.shape[0]
    return loss_sum / x.shape[0]


def parse_args():
    ap = argparse.ArgumentParser(description="Train the AttnLab Vision Transformer in PyTorch "
                                             "on Fashion-MNIST (CPU).")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--patch", type=int, default=7, help="P: patches of PxP pixels")
    ap.add_argument("--embed", type=int, default=64, help="E: embedding width")
    ap.add_argument("--heads", type=int, default=4, help="N: attention heads")
    ap.add_argument("--head-size", type=int, default=64, help="H: all heads together")
    ap.add_argument("--layers", type=int, default=2, help="L: encoder blocks")
    ap.add_argument("--mlp-width", type=int, default=128, help="F: MLP hidden width")
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0,
                    help="train on the first N images only (0: all)")
    ap.add_argument("--data", default=DEFAULT_DATA, help="folder of the IDX .gz files")
    args = ap.parse_args()
    if 28 % args.patch != 0:
        ap.error(f"--patch {args.patch} must divide 28")
    if args.head_size % args.heads != 0:
        ap.error(f"--head-size {args.head_size} must be a multiple of --heads {args.heads}")
    for name in ("epochs", "batch", "embed", "heads", "layers", "mlp_width", "threads"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    train_x, train_y = load_set(args.data, "train")
    test_x, test_y = load_set(args.data, "t10k")
    if args.limit > 0:
        train_x, train_y = train_x[:args.limit], train_y[:args.limit]
    n = train_x.shape[0]

    model = VisionTransformer(args)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    generator = torch.Generator().manual_seed(args.seed)  # the shuffling order
    params = sum(p.numel() for p in model.parameters())

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"train {n} images, test {test_x.shape[0]}, parameters {params}")
    print(f"P={args.patch} E={args.embed} N={args.heads} H={args.head_size} L={args.layers} "
          f"F={args.mlp_width} batch={args.batch} lr={args.lr} seed={args.seed}")
    sys.stdout.flush()

    seconds, accuracy = [], 0.0
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        train_loss = train_epoch(model, optimizer, train_x, train_y, args.batch, generator)
        elapsed = time.perf_counter() - start
        seconds.append(elapsed)
        test_loss, accuracy = evaluate(model, test_x, test_y)
        print(f"epoch {epoch}: {elapsed:.2f} s, {n / elapsed:.1f} images/s, "
              f"train loss {train_loss:.4f}, test loss {test_loss:.4f}, "
              f"test accuracy {accuracy:.4f}")
        sys.stdout.flush()

    per_epoch = sum(seconds) / len(seconds)
    print(f"RESULT pytorch epochs={args.epochs} threads={args.threads} train_images={n} "
          f"sec_per_epoch={per_epoch:.3f} images_per_sec={n / per_epoch:.1f} "
          f"test_accuracy={accuracy:.4f}")


if __name__ == "__main__":
    main()
