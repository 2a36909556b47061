"""``word2vec-fast train CORPUS -o OUT``: training with Python-style flags and the Python
API's defaults, handed to the shared training run in :mod:`.pipeline`."""
from __future__ import annotations

import argparse
import os
import time

from ..params import has_output_layer
from .common import (CLIError, Parser, UsageError, add_format_flags, binary_for,
                     check_readable, check_writable, float_at_least, int_at_least, say)
from .pipeline import run_training, setup_logging, train_or_keep, write_output


def train_parser() -> Parser:
    """The flags of ``word2vec-fast train`` (the Python API's names and defaults)."""
    p = Parser(prog="word2vec-fast train",
               description="Train word vectors (Python-style flags; the Python API's "
                           "defaults: skip-gram, all cores).",
               epilog="""\
The output has no "</s>" row (use the word2vec.c-style flags, word2vec-fast -train ...,
for word2vec.c's exact layout).  The format follows the extension: .bin binary, .txt/.vec
text (.gz/.bz2/.xz compress); --binary/--text override it.

examples:
  word2vec-fast train corpus.txt.gz -o vectors.bin
  word2vec-fast train corpus.txt -o vectors.txt --cbow --dim 300 --epochs 10 --threads 4
  word2vec-fast train corpus.txt -o classes.txt --classes 100
  word2vec-fast train corpus.txt -o vectors.vec --subwords --fasttext-output model
  word2vec-fast train new.txt -o vectors.bin --init-vectors old.bin --lock-init
  word2vec-fast train corpus.txt -o vectors.bin --dask-scheduler tcp://host:8786
  word2vec-fast train corpus.txt -o vectors.bin --dask-workers 2   (a local Dask cluster)
""")
    a = p.add_argument
    a("corpus", metavar="CORPUS", help="training text (.gz/.bz2/.xz read too)")
    a("-o", "--output", required=True, metavar="FILE", help="vectors file to write")
    a("--dim", "--size", type=int_at_least(1), default=100, help="vector size (default 100)")
    a("--window", type=int_at_least(1), default=5, help="context window (default 5)")
    a("--negative", type=int_at_least(0), default=5,
      help="negative samples (default 5; 0 = none, needs --hs)")
    a("--hs", action="store_true", help="hierarchical softmax")
    a("--cbow", action="store_true", help="CBOW instead of skip-gram")
    a("--cbow-mean", type=int, choices=(0, 1), default=1, metavar="0|1",
      help="CBOW: 1 = mean of the context vectors (default), 0 = their sum")
    a("--sample", type=float_at_least(0), default=1e-3,
      help="subsampling threshold (default 1e-3; 0 = off)")
    a("--min-count", type=int_at_least(1), default=5,
      help="ignore rarer words (default 5)")
    a("--epochs", "--iter", type=int_at_least(1), default=5, help="epochs (default 5)")
    a("--threads", type=int_at_least(1), default=None, help="threads (default: all cores)")
    a("--alpha", type=float_at_least(0, True), default=None,
      help="initial learning rate (default 0.025 skip-gram, 0.05 CBOW)")
    a("--min-alpha", type=float_at_least(0), default=None,
      help="final learning rate (default: decay towards 0, floored at alpha * 1e-4, as "
           "word2vec.c)")
    a("--max-vocab-size", type=int_at_least(1), default=None, metavar="N",
      help="bound the memory of counting: prune rare words whenever more than N are "
           "being counted (word2vec.c's ReduceVocab; default: no bound)")
    a("--max-final-vocab", type=int_at_least(1), default=None, metavar="N",
      help="keep at most the N most frequent words")
    a("--max-token-bytes", type=int_at_least(1), default=None, metavar="N",
      help="cut longer tokens (at a UTF-8 character boundary; default 100, as word2vec.c)")
    a("--spill-bytes", type=int_at_least(0), default=None, metavar="N",
      help="keep the encoded corpus in a temporary file once it would take more than N "
           "bytes of memory (default 1 GiB)")
    a("--spill-dir", metavar="DIR", default=None,
      help="where those temporary files go (default: the system's temporary directory)")
    a("--init-vectors", metavar="FILE", default=None,
      help="start from these pretrained vectors (any format 'load' reads): words they "
           "have take their rows; they must have --dim dimensions")
    a("--lock-init", action="store_true",
      help="with --init-vectors: keep those rows fixed while the other words train")
    a("--seed", type=int_at_least(0), default=1, help="random seed (default 1)")
    a("--classic", action="store_true",
      help="word2vec.c's per-pair updates instead of the batched kernel")
    a("--batch-size", type=int_at_least(1), default=None,
      help="centre words per batched block (default 1)")
    add_format_flags(p, "the vectors")
    a("--classes", type=int_at_least(0), default=0,
      help="write 'word class' lines from k-means with this many classes instead of vectors")
    a("--save-vocab", metavar="FILE", help="also save the vocabulary ('word count' lines)")
    a("--read-vocab", metavar="FILE", help="take the vocabulary from this file")
    a("--save-on-interrupt", action="store_true",
      help="on Ctrl-C, save what was trained so far, then exit 130")
    a("-q", "--quiet", action="store_true", help="no progress bar or summary")
    s = p.add_argument_group(
        "subword vectors, fastText's way (fastText's own flags: word2vec-fast fasttext)",
        "Each word's vector is the mean of its own row and its character n-grams' rows,\n"
        "so words never seen get vectors too.  --output holds the trained words' vectors\n"
        "(what fastText's .vec holds), --fasttext-output the model, which answers for\n"
        "unknown words.")
    s.add_argument("--subwords", action="store_true",
                   help="train subword vectors (skip-gram or --cbow, as usual)")
    s.add_argument("--minn", type=int_at_least(1), default=None, metavar="N",
                   help="shortest character n-gram (default 3)")
    s.add_argument("--maxn", type=int_at_least(0), default=None, metavar="N",
                   help="longest character n-gram (default 6; 0: words only)")
    s.add_argument("--buckets", type=int_at_least(1), default=None, metavar="N",
                   help="rows the n-grams are hashed into (default 2000000: 800 MB at "
                        "--dim 100)")
    s.add_argument("--fasttext-output", metavar="PREFIX", default=None,
                   help="also write PREFIX.bin, the model in fastText's format (fastText, "
                        "gensim and 'word2vec-fast fasttext nn' read it), and PREFIX.vec")
    d = p.add_argument_group("training on a Dask cluster (pip install \"word2vec-fast[dask]\")")
    d.add_argument("--dask-scheduler", metavar="ADDRESS",
                   help="train on the Dask cluster of this scheduler (the corpus must be "
                        "readable at the same path on every worker)")
    d.add_argument("--dask-workers", type=int_at_least(1), metavar="N",
                   help="with --dask-scheduler: use N of its workers; alone: start a local "
                        "cluster of N worker processes to try it")
    d.add_argument("--sync-words", type=int_at_least(1), default=None, metavar="N",
                   help="raw words each worker trains between merges (default 200000)")
    d.add_argument("--hot-rows", type=int_at_least(0), default=None, metavar="N",
                   help="rows merged after the first round, doubling (default 1024)")
    d.add_argument("--hot-max", type=int_at_least(0), default=None, metavar="N",
                   help="the most rows a hot round merges, the doubling's cap (default "
                        "16384; 0: no cap)")
    d.add_argument("--merge", choices=("scaled", "mean", "sum"), default=None,
                   help="how the workers' updates of a row combine (default scaled)")
    d.add_argument("--checkpoint", metavar="FILE",
                   help="save the model (save_model) there after each epoch")
    d.add_argument("--resume", metavar="FILE",
                   help="go on with the run a --checkpoint FILE saved (its settings win)")
    return p


def run_dask_training(a) -> int:
    """``--dask-scheduler``/``--dask-workers``: :func:`word2vec_fast.distributed.train`
    on a cluster (or a local one), then the vectors written as usual."""
    for flag, value in (("--read-vocab", a.read_vocab), ("--save-vocab", a.save_vocab),
                        ("--init-vectors", a.init_vectors), ("--spill-bytes", a.spill_bytes),
                        ("--spill-dir", a.spill_dir)):
        if value:
            raise UsageError(f"{flag} is not supported with --dask-scheduler/--dask-workers")
    if a.corpus == "-":
        raise UsageError("a Dask run reads the corpus on the workers: standard input "
                         "cannot be used")
    if "://" not in a.corpus:  # URLs are read on the workers
        check_readable(a.corpus, "CORPUS")
    if a.resume:
        check_readable(a.resume, "--resume")
    check_writable(a.output, "--output")
    # Dask's own INFO lines (and the tracebacks it logs at INFO when a local cluster
    # closes) would bury ours: warnings and errors only, here and in worker processes
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    try:  # optional, and slow to import: only here
        import distributed
        from .. import distributed as w2vd
    except ImportError:
        raise CLIError('--dask-scheduler/--dask-workers need Dask: pip install '
                       '"word2vec-fast[dask]"') from None
    binary = a.binary if a.binary is not None or a.classes else \
        binary_for(a.output, None, default=True)
    extra = {k: v for k, v in (("sync_words", a.sync_words), ("hot_rows", a.hot_rows),
                               ("merge", a.merge), ("max_vocab_size", a.max_vocab_size),
                               ("max_final_vocab", a.max_final_vocab),
                               ("max_token_bytes", a.max_token_bytes)) if v is not None}
    if a.hot_max is not None:
        extra["hot_max"] = a.hot_max or None  # 0: no cap
    params = dict(dim=a.dim, window=a.window, sample=a.sample, hs=a.hs, negative=a.negative,
                  threads=a.threads, epochs=a.epochs, alpha=a.alpha, sg=not a.cbow,
                  cbow_mean=bool(a.cbow_mean), seed=a.seed, min_count=a.min_count,
                  min_alpha=a.min_alpha,
                  batch=False if a.classic else (True if a.batch_size is None
                                                 else a.batch_size), **extra)
    t0 = time.perf_counter()

    def run(client, **more):
        if a.resume:
            return w2vd.resume(client, a.resume, a.corpus, threads=a.threads,
                               checkpoint=a.checkpoint, progress=progress)
        return w2vd.train(client, a.corpus, checkpoint=a.checkpoint, progress=progress,
                          **params, **more)
    progress = False if a.quiet else None

    def on_cluster():
        if a.dask_scheduler:
            with distributed.Client(a.dask_scheduler) as client:
                return run(client, workers=a.dask_workers)
        with distributed.LocalCluster(n_workers=a.dask_workers, processes=True,
                                      threads_per_worker=a.threads or 1,
                                      dashboard_address=None) as lc, \
                distributed.Client(lc) as client:
            return run(client)
    model, status = train_or_keep(on_cluster, a.save_on_interrupt, a.output)
    what = write_output(model, a.output, binary=binary, classes=a.classes, eos_row=False,
                        seed=a.seed)
    s = model.stats
    say(f"trained {s['words']:,} words on {s['workers']} Dask workers in "
        f"{time.perf_counter() - t0:.2f} s ({s['sync_seconds']:.2f} s merging); vocabulary "
        f"{len(model.words):,} words; wrote {what} to {a.output}", quiet=a.quiet)
    return status


def run_train(argv) -> int:
    """``word2vec-fast train CORPUS -o OUT``: Python-style flags and defaults."""
    a = train_parser().parse_strict(argv)
    if not has_output_layer(a.negative, a.hs):
        raise UsageError("--negative 0 without --hs trains nothing: set --negative > 0 or "
                         "add --hs")
    if a.lock_init and not a.init_vectors:
        raise UsageError("--lock-init needs --init-vectors FILE")
    if a.init_vectors:
        check_readable(a.init_vectors, "--init-vectors")
    if a.subwords:
        for flag, value in (("--dask-scheduler", a.dask_scheduler),
                            ("--dask-workers", a.dask_workers), ("--classic", a.classic),
                            ("--lock-init", a.lock_init)):
            if value:
                raise UsageError(f"{flag} is not supported with --subwords")
    else:
        for flag, value in (("--minn", a.minn), ("--maxn", a.maxn), ("--buckets", a.buckets),
                            ("--fasttext-output", a.fasttext_output)):
            if value is not None:
                raise UsageError(f"{flag} needs --subwords")
    setup_logging(False)
    if a.dask_scheduler or a.dask_workers:
        return run_dask_training(a)
    for flag, value in (("--sync-words", a.sync_words), ("--hot-rows", a.hot_rows),
                        ("--hot-max", a.hot_max),
                        ("--merge", a.merge), ("--checkpoint", a.checkpoint),
                        ("--resume", a.resume)):
        if value is not None:
            raise UsageError(f"{flag} needs --dask-scheduler or --dask-workers")
    o = argparse.Namespace(
        corpus=a.corpus, output=a.output, dim=a.dim, window=a.window, sample=a.sample,
        hs=a.hs, negative=a.negative, threads=a.threads, epochs=a.epochs,
        min_count=a.min_count, alpha=a.alpha, sg=not a.cbow, seed=a.seed,
        progress=False if a.quiet else None, classic=a.classic, batch_size=a.batch_size,
        binary=a.binary, classes=a.classes, save_vocab=a.save_vocab, read_vocab=a.read_vocab,
        save_on_interrupt=a.save_on_interrupt, quiet=a.quiet, eos_layout=False,
        dropin_lines=False, flag_train="CORPUS", flag_output="--output",
        flag_save_vocab="--save-vocab", flag_read_vocab="--read-vocab",
        flag_min_count="--min-count",
        counting={k: v for k, v in (("max_vocab_size", a.max_vocab_size),
                                    ("max_final_vocab", a.max_final_vocab),
                                    ("max_token_bytes", a.max_token_bytes),
                                    ("spill_bytes", a.spill_bytes),
                                    ("spill_dir", a.spill_dir)) if v is not None},
        training=dict(min_alpha=a.min_alpha, cbow_mean=bool(a.cbow_mean),
                      init_vectors=a.init_vectors, lock_init=a.lock_init))
    if a.subwords:
        from .fasttext import spec_flags
        minn, maxn, buckets = spec_flags(
            3 if a.minn is None else a.minn, 6 if a.maxn is None else a.maxn,
            2_000_000 if a.buckets is None else a.buckets,
            names=("--minn", "--maxn", "--buckets"))
        prefix = a.fasttext_output
        if prefix and os.path.abspath(a.output) in (os.path.abspath(prefix + ".bin"),
                                                    os.path.abspath(prefix + ".vec")):
            raise UsageError(f"--output {a.output} is also a file of --fasttext-output "
                             f"{prefix} ({prefix}.bin and {prefix}.vec): choose another name")
        o.training.update(subwords=True, minn=minn, maxn=maxn, buckets=buckets)
        o.fasttext_output = prefix
    return run_training(o)
