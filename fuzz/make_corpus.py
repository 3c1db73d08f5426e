#!/usr/bin/env python3
"""Writes the fuzz targets' seed inputs into fuzz/corpus/<target>/: a valid input of each kind.

    fuzz/make_corpus.py [--cli build/app/attnlab-cli]

The session seeds: the smallest session of each kind (single head, transformer pair, Vision
Transformer), written here, and a real saved session, written by the command-line tool (3 epochs
of the lesson); without --cli that one is left as it is. Everything else is written here:
IDX image and label files (raw and gzip), the reference weights, the lesson and the presets,
tokenizer lines, and small pictures (PNG 8-bit gray, RGBA, 16-bit gray; BMP; PGM).
"""
import argparse
import pathlib
import shutil
import struct
import subprocess
import tempfile
import zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"


def write(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def idx_pair(images, labels, rows, cols, classes, gzip_them):
    """fuzz_idx's input: classes - 1, the image file's length, the image file, the label file."""
    pixels = bytes((i * 37 + 11) % 256 for i in range(images * rows * cols))
    image_file = struct.pack(">IIII", 0x803, images, rows, cols) + pixels
    label_file = struct.pack(">II", 0x801, labels) + bytes(i % classes for i in range(labels))
    if gzip_them:
        image_file = gzip_bytes(image_file)
        label_file = gzip_bytes(label_file)
    return bytes([classes - 1]) + struct.pack("<I", len(image_file)) + image_file + label_file


def gzip_bytes(data):
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def png(width, height, color_type, depth, rows):
    """A PNG of the given rows (bytes each, without the filter byte)."""
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0)
    raw = b"".join(b"\0" + row for row in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def bmp_gray_as_rgb(width, height):
    stride = (width * 3 + 3) // 4 * 4
    rows = b"".join(bytes((x * 40 + y * 20) % 256 for x in range(width) for _ in range(3))
                    + b"\0" * (stride - width * 3) for y in range(height))
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(rows), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40 + len(rows), 0, 0, 54) + info + rows


def pictures():
    gray = [bytes((x * 30 + y * 10) % 256 for x in range(6)) for y in range(9)]
    write("image", "gray-6x9.png", b"\x1c" + png(6, 9, 0, 8, gray))
    rgba = [bytes(v for x in range(5) for v in (x * 50, y * 60, 128, 255 - x * 40))
            for y in range(4)]
    write("image", "rgba-5x4.png", b"\x05" + png(5, 4, 6, 8, rgba))
    gray16 = [b"".join(struct.pack(">H", (x * 9000 + y * 3000) % 65536) for x in range(3))
              for y in range(3)]
    write("image", "gray16-3x3.png", b"\x0a" + png(3, 3, 0, 16, gray16))
    write("image", "rgb-7x3.bmp", b"\x02" + bmp_gray_as_rgb(7, 3))
    write("image", "gray-4x4.pgm", b"\x1c" + b"P5 4 4 255\n" + bytes(range(0, 256, 16)))


def texts():
    write("weights", "init-seed77.txt",
          (ROOT / "tests/fixtures/reference/init-seed77.txt").read_bytes())
    lesson = "man ordered the chicken\nwoman ordered the beef\n"
    write("corpus", "lesson.txt", lesson)
    write("corpus", "lesson-crlf-start.txt",
          "<start> Man ordered the chicken.\r\n\r\n<start> Woman ordered the beef!\r\n")
    for preset in sorted((ROOT / "resources/corpora").glob("*.txt")):
        write("corpus", preset.name, preset.read_bytes())
    write("tokenizer", "lesson.txt", "<start> Man ordered the chicken.")
    write("tokenizer", "punctuation.txt", "Don't stop: it's 3 o'clock, (really)?!")
    write("tokenizer", "scripts.txt", "ÀÉÎ Ωμέγα ПРИВЕТ Ѐ 漢字 café")
    write("tokenizer", "invisible.txt", "a\u00a0b\u200bc\ufeffd\u2003e\u3000f\u202fg")


def idx():
    write("idx", "raw-3x4x5.bin", idx_pair(3, 3, 4, 5, 10, False))
    write("idx", "gzip-2x3x3.bin", idx_pair(2, 2, 3, 3, 4, True))
    write("idx", "raw-1x1x1.bin", idx_pair(1, 1, 1, 1, 1, False))


def small_session():
    """The smallest session that opens: one sentence of one word, numbers of one digit, so that
    a mutation can swap a whole number for another word (nan, inf, 1e39)."""
    settings = {"head-size": 1, "context": 2, "learning-rate": "0.001", "epochs": 3, "seed": 1,
                "causal": 1, "skip": 1, "output": "softmax"}
    lines = ["attnlab-session 1", "kind single-head"]
    lines += [f"setting {name} {value}" for name, value in settings.items()]
    lines += ["vocabulary 2", "<start>", "a", "sentences 1", "a", "position 1 1 0",
              "epoch-sum 0", "diverged 0", "message ", "losses 1", "1"]
    for name, rows, cols in (("tok", 2, 2), ("pos", 2, 2), ("wq", 2, 1), ("wk", 2, 1),
                             ("wv", 2, 2)):
        lines += [f"matrix {name} {rows} {cols}"] + [" ".join(["1"] * cols)] * rows
    lines += ["adam 0 0", "view tab 0", "end", ""]
    write("session", "small.attnlab", "\n".join(lines))


MASK64 = (1 << 64) - 1
# The trainers' generator streams (core/texttrainer.cpp, core/vittrainer.cpp), xored into the seed.
DROPOUT_STREAM = 0x9e3779b97f4a7c15
MASK_STREAM = 0xc2b2ae3d27d4eb4f
ORDER_STREAM = 0x165667b19e3779f9


def rng_lines(name, seed):
    """A generator as a session stores it: MT19937-64 just seeded (core/random.h)."""
    words = [seed & MASK64]
    for i in range(1, 312):
        words.append((6364136223846793005 * (words[-1] ^ (words[-1] >> 62)) + i) & MASK64)
    return [f"rng {name} 312 0 0", " ".join(str(w) for w in words)]


def matrix_lines(name, rows, cols):
    return [f"matrix {name} {rows} {cols}"] + [" ".join(["1"] * cols)] * rows


def block_shapes():
    """One block of width 1 everywhere (E = H = F = 1), in TransformerParams::names() order."""
    names = ["ln1.gamma", "ln1.beta", "wq", "wk", "wv", "wo", "bo", "ln2.gamma", "ln2.beta",
             "w1", "b1", "w2", "b2"]
    return [(f"block1.{name}", 1, 1) for name in names]


def weights_and_adam(shapes):
    """The weights, then Adam after one step with every moment 1."""
    lines = []
    for name, rows, cols in shapes:
        lines += matrix_lines(name, rows, cols)
    lines.append(f"adam 1 {len(shapes)}")
    for letter in "mv":
        for i, (_, rows, cols) in enumerate(shapes):
            lines += matrix_lines(f"{letter}{i}", rows, cols)
    return lines


def small_pair_session():
    """The smallest transformer pair: one sentence of one word, widths of 1, one layer, one step
    taken; the right model masked, so that every generator of the format is there."""
    settings = {"embed": 1, "heads": 1, "head-size": 1, "layers": 1, "context": 2,
                "mlp-width": 1, "mlp": 1, "layer-norm": 1, "residual": 1, "dropout": "0.5",
                "seed": 1, "mask-fraction": "0.5", "batch-size": 1, "shuffle": 1,
                "learning-rate": "0.001", "epochs": 3}
    lines = ["attnlab-session 1", "kind transformer-pair", "preset ", "vocabulary 2", "<start>",
             "a", "sentences 1", "a"]
    for side, objective, vocab in (("left", "causal", 2), ("right", "masked", 3)):
        lines += [f"model {side}", f"objective {objective}"]
        lines += [f"setting {name} {value}" for name, value in settings.items()]
        lines += ["position 1 1 0 0", "order 1", "0", "epoch-sum 0", "diverged 0", "message ",
                  "losses 1", "1"]
        for name, stream in (("dropout", DROPOUT_STREAM), ("mask", MASK_STREAM),
                             ("order", ORDER_STREAM)):
            lines += rng_lines(name, 1 ^ stream)
        shapes = [("tok", vocab, 1), ("pos", 2, 1)] + block_shapes()
        shapes += [("lnf.gamma", 1, 1), ("lnf.beta", 1, 1), ("wout", 1, vocab), ("bout", 1, vocab)]
        lines += weights_and_adam(shapes)
    lines += ["view sentence 0", "end", ""]
    write("session", "pair-small.attnlab", "\n".join(lines))


def small_vit_session():
    """The smallest Vision Transformer session: two images of 2×2 pixels in one patch, widths of
    1, one layer, one step of the first epoch taken."""
    settings = {"image-rows": 2, "image-cols": 2, "patch": 2, "embed": 1, "heads": 1,
                "head-size": 1, "layers": 1, "mlp-width": 1, "mlp": 1, "layer-norm": 1,
                "residual": 1, "dropout": "0.5", "classes": 2, "seed": 1, "batch-size": 1,
                "learning-rate": "0.001", "epochs": 3, "shuffle": 1}
    lines = ["attnlab-session 1", "kind vision-transformer", "data ", "limits 2 0"]
    lines += [f"setting {name} {value}" for name, value in settings.items()]
    lines += ["images 2", "position 0 1 1 1", "order 2", "1 0", "epoch-sum 1", "diverged 0",
              "message ", "losses 0", "", "step-losses 1", "1", "step-accuracies 1", "1"]
    lines += rng_lines("dropout", 1 ^ DROPOUT_STREAM) + rng_lines("order", 1 ^ ORDER_STREAM)
    shapes = [("patch.w", 4, 1), ("patch.b", 1, 1), ("cls", 1, 1), ("pos", 2, 1)]
    shapes += block_shapes()
    shapes += [("lnf.gamma", 1, 1), ("lnf.beta", 1, 1), ("head.w", 1, 2), ("head.b", 1, 2)]
    lines += weights_and_adam(shapes)
    lines += ["curve 1", "0.5 1 0.5 1 0.5", "view image 0", "end", ""]
    write("session", "vit-small.attnlab", "\n".join(lines))


def session(cli):
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "lesson.attnlab"
        subprocess.run([cli, "train", "--lesson", "--epochs", "3", "--save-session", str(path)],
                       check=True, stdout=subprocess.DEVNULL,
                       env={"QT_QPA_PLATFORM": "offscreen", "LC_ALL": "C.UTF-8"})
        text = path.read_text()
        write("session", "lesson-3-epochs.attnlab", text)
        # The same weights without Adam's moments, and with the window's view.
        head = text[:text.index("adam ")]
        write("session", "lesson-no-moments-view.attnlab",
              head + "adam 0 0\nview tab 0\nview splitter 1 2 3\nend\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", help="attnlab-cli, to write a saved session")
    args = parser.parse_args()
    for target in ("image", "idx", "weights", "corpus", "tokenizer"):
        shutil.rmtree(CORPUS / target, ignore_errors=True)
    pictures()
    texts()
    idx()
    small_session()
    small_pair_session()
    small_vit_session()
    if args.cli:
        session(args.cli)


if __name__ == "__main__":
    main()
