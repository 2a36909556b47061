"""``word2vec-fast plot``: a 2-D PCA map of words and their nearest neighbours.

matplotlib is optional, so it is imported when the command runs.
"""
from __future__ import annotations

import os

import numpy as np

from .common import (CLIError, Parser, UsageError, add_vectors_arg, check_writable,
                     int_at_least, load_vectors, say, unknown_word, write_atomically)


def plot_parser():
    """The flags of ``word2vec-fast plot``."""
    p = Parser(prog="word2vec-fast plot",
               description="A 2-D map (PCA) of some words and their nearest neighbours.",
               epilog="""\
Needs matplotlib:  pip install 'word2vec-fast[plot]'   (or pip install matplotlib)

examples:
  word2vec-fast plot vectors.bin king paris apple -o map.png
  word2vec-fast plot vectors.bin france germany italy -n 0 -o countries.svg
""")
    add_vectors_arg(p)
    p.add_argument("words", nargs="+", metavar="WORD", help="words to place on the map")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="image to write (.png, .svg, .pdf, ...)")
    p.add_argument("-n", "--neighbours", type=int_at_least(0), default=8, metavar="K",
                   help="nearest neighbours shown with each word (default 8)")
    p.add_argument("--title", default=None, help="title of the map")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    return p


def pca_2d(x):
    """The rows of ``x`` projected on their first two principal components."""
    x = np.asarray(x, dtype=np.float64)
    x = x - x.mean(axis=0)
    if len(x) < 2:
        return np.zeros((len(x), 2))
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    xy = u[:, :2] * s[:2]
    if xy.shape[1] < 2:
        xy = np.hstack([xy, np.zeros((len(xy), 1))])
    return xy


def run_plot(argv) -> int:
    """``word2vec-fast plot VECTORS WORD ... -o IMAGE``: draw the words and their neighbours."""
    a = plot_parser().parse_strict(argv)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise CLIError("plot needs matplotlib, which is not installed: "
                       "pip install 'word2vec-fast[plot]' (or pip install matplotlib)") from None
    ext = os.path.splitext(a.output)[1].lower().lstrip(".")
    formats = plt.figure().canvas.get_supported_filetypes()
    plt.close("all")
    if ext not in formats:
        raise UsageError(f"--output {a.output}: unknown image type {ext or '(none)'!r}; "
                         f"use one of {', '.join(sorted(formats))}")
    check_writable(a.output, "--output")
    vecs = load_vectors(a.vectors, a.limit)
    for w in a.words:
        if w not in vecs:
            raise unknown_word(vecs, w, a.vectors)
    groups, seen, rows = [], set(), []
    for w in a.words:
        members = [w] + ([x for x, _ in vecs.most_similar(w, topn=a.neighbours)]
                         if a.neighbours else [])
        members = [x for x in members if x not in seen]
        seen.update(members)
        groups.append((w, members))
        rows += members
    u = vecs.unit_vectors
    xy = pca_2d(u[[vecs.index[x] for x in rows]])
    fig, ax = plt.subplots(figsize=(9, 7))
    colours = plt.get_cmap("tab10")
    i = 0
    for g, (w, members) in enumerate(groups):
        pts = xy[i:i + len(members)]
        c = colours(g % 10)
        ax.scatter(pts[:, 0], pts[:, 1], color=c, s=18, label=w)
        for (x, y), word in zip(pts, members):
            ax.annotate(word, (x, y), xytext=(3, 3), textcoords="offset points", color=c,
                        fontsize=11 if word == w else 8,
                        fontweight="bold" if word == w else "normal")
        i += len(members)
    ax.set_title(a.title or f"{os.path.basename(a.vectors)}: PCA of {len(rows)} words")
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    if len(groups) > 1:
        ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    write_atomically(a.output, lambda f: fig.savefig(f, format=ext, dpi=120))
    plt.close(fig)
    say(f"wrote a map of {len(rows)} words to {a.output}", quiet=a.quiet)
    return 0
