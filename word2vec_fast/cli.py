"""The ``word2vec-fast`` command: word2vec.c's training flags, same meanings and defaults.

    word2vec-fast -train text8 -output vectors.bin -cbow 0 -size 200 -window 5 \\
        -negative 5 -hs 0 -sample 1e-4 -threads 20 -binary 1 -iter 15

As in word2vec.c, CBOW is the default (``-cbow 1``), with 12 threads and
``-alpha`` 0.05 for CBOW, 0.025 for skip-gram.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time

EPILOG = """\
defaults follow word2vec.c: -cbow 1, -threads 12, -alpha 0.05 (CBOW) or 0.025 (skip-gram),
-size 100, -window 5, -sample 1e-3, -hs 0, -negative 5, -iter 5, -min-count 5, -binary 0.

examples:
  word2vec-fast -train text8 -output vectors.bin -cbow 0 -size 100 -window 5 -negative 5 \\
      -hs 0 -sample 1e-3 -threads 2 -binary 1 -iter 5
  python -m word2vec_fast -train corpus.txt.gz -output vectors.txt -threads 4
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="word2vec-fast",
        description="Train word2vec vectors (a drop-in for word2vec.c's command line).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    a = p.add_argument
    a("-train", required=True, metavar="FILE", help="training text (.gz/.bz2/.xz too)")
    a("-output", required=True, metavar="FILE", help="where to write the vectors")
    a("-size", type=int, default=100, help="vector size (default 100)")
    a("-window", type=int, default=5, help="max skip length between words (default 5)")
    a("-sample", type=float, default=1e-3,
      help="threshold for downsampling frequent words (default 1e-3; 0 = off)")
    a("-hs", type=int, default=0, choices=(0, 1), help="use hierarchical softmax (default 0)")
    a("-negative", type=int, default=5, help="number of negative examples (default 5; 0 = off)")
    a("-threads", type=int, default=12, help="threads (default 12, as word2vec.c)")
    a("-iter", type=int, default=5, help="training epochs (default 5)")
    a("-min-count", dest="min_count", type=int, default=5,
      help="discard words appearing fewer times (default 5)")
    a("-alpha", type=float, default=None,
      help="starting learning rate (default 0.025 skip-gram, 0.05 CBOW)")
    a("-cbow", type=int, default=1, choices=(0, 1),
      help="1 = CBOW (default, as word2vec.c), 0 = skip-gram")
    a("-binary", type=int, default=0, choices=(0, 1), help="save in binary mode (default 0)")
    a("-debug", type=int, default=2, help="verbosity: 0 quiet, 1 summary, 2 progress (default 2)")
    a("-seed", type=int, default=1, help="random seed (default 1)")
    a("-batch", type=int, default=1, choices=(0, 1),
      help="1 = batched block updates (default, fastest); 0 = word2vec.c's classic per-pair "
           "updates")
    a("-batch-size", dest="batch_size", type=int, default=None,
      help="centre words per block of the batched updates (default 1: one window per block; larger is faster but loses accuracy)")
    a("-progress", type=int, default=None, choices=(0, 1),
      help="progress bar (default: on when stderr is a terminal and -debug >= 2)")
    return p


def main(argv=None) -> int:
    """Entry point; returns the exit status (0 ok, 1 error, 2 usage)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.debug >= 2 else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    from . import train
    progress = None if args.progress is None else bool(args.progress)
    if args.debug < 2 and progress is None:
        progress = False
    t0 = time.perf_counter()
    try:
        model = train(args.train, dim=args.size, window=args.window, sample=args.sample,
                      hs=bool(args.hs), negative=args.negative, threads=args.threads,
                      epochs=args.iter, min_count=args.min_count, alpha=args.alpha,
                      sg=not args.cbow, seed=args.seed, progress=progress,
                      batch=(False if not args.batch else
                             True if args.batch_size is None else args.batch_size))
        model.save(args.output, binary=bool(args.binary))
    except KeyboardInterrupt:
        print("word2vec-fast: interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError, OSError) as e:
        print(f"word2vec-fast: error: {e}", file=sys.stderr)
        return 1
    s = model.stats
    if args.debug >= 1:
        print(f"train_seconds={s['train_seconds']:.3f} words={s['words']} "
              f"words_per_sec={s['words_per_sec']:.0f} vocab={len(model.vocab)} "
              f"total_seconds={time.perf_counter() - t0:.3f} output={args.output}",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
