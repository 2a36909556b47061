"""fastText model files for subword models: save a trained model as fastText's ``.bin``
(and ``.vec``), load a ``.bin`` fastText (or this package) wrote as vectors that
answer for unknown words, or as a model to go on training.

The file layer is :mod:`word2vec_fast.fasttext_io`; this module maps its parts onto
:class:`~word2vec_fast.model.Model` and
:class:`~word2vec_fast.subwords.SubwordVectors`.

How the models map (fastText's ``args`` and ours):

=============  ==============================================================
``dim``        ``dim``
``ws``         ``window``
``epoch``      ``epochs``
``minCount``   ``min_count``
``neg``        ``negative`` (5, fastText's default, when we train without it)
``loss``       ``ns`` (2) with negative sampling, ``hs`` (1) with hierarchical
               softmax alone (fastText has no model with both: ``ns`` is written)
``model``      ``sg`` (2) or ``cbow`` (1)
``bucket``     ``buckets``; ``minn``/``maxn`` the same
``t``          ``sample``
=============  ==============================================================

fastText does not save its learning rate: a model loaded to train further starts
from 0.05 (fastText's default, and ours for subword models) unless
``train_more(alpha=...)`` says.  Its
output matrix has one row per word: negative sampling's rows are ours; a
hierarchical-softmax model's rows stand for the nodes of fastText's Huffman tree,
which orders ties otherwise than word2vec.c's, so they partly relearn (as after
:meth:`Model.train_more` changes the counts).
"""
from __future__ import annotations

import os

import numpy as np

from . import fasttext_io
from .fasttext_io import FastTextArgs, FastTextFile
from .model import Model
from .subwords import SUBWORD_ALPHA, SubwordSpec, SubwordVectors, subword_batch
from .vocab import Vocab

_LOSS_HS, _LOSS_NS = 1, 2
_MODEL_CBOW, _MODEL_SG, _MODEL_SUP = 1, 2, 3


def _spec(ft: FastTextFile, path) -> SubwordSpec:
    a = ft.args
    rows = ft.input.shape[0]
    if rows != ft.nwords + a.bucket:
        raise fasttext_io.VectorsFormatError(
            f"{os.fspath(path)}: the input matrix has {rows} rows, not nwords + bucket = "
            f"{ft.nwords} + {a.bucket}")
    maxn = a.maxn if a.bucket > 0 and not (ft.version == 11 and a.model == _MODEL_SUP) else 0
    minn = a.minn if maxn else 0
    try:
        return SubwordSpec.checked(minn, maxn, a.bucket)
    except ValueError as e:
        raise fasttext_io.VectorsFormatError(f"{os.fspath(path)}: {e}") from None


def load_fasttext(path, *, mmap: bool = False, dtype=None) -> SubwordVectors:
    """The word vectors of a fastText ``.bin`` model, unknown words included.

    Parameters
    ----------
    path : str or os.PathLike
        A fastText model file (format 11 or 12; not a quantized ``.ftz``).
    mmap : bool
        Map the input matrix from the file (read-only) instead of reading it: a
        pretrained model of millions of rows is then never copied into memory;
        only the trained words' composed vectors (V x dim) are made.
    dtype : numpy.float32 or numpy.float16, optional
        Storage of the composed word vectors (float16 halves them).

    Returns
    -------
    SubwordVectors
        ``v[word]`` for any word with n-grams, the queries of
        :class:`~word2vec_fast.vectors.Vectors`.

    Raises
    ------
    VectorsFormatError
        Not a fastText model, or a damaged one (the message names the byte offset).
    """
    ft = fasttext_io.read_bin(path, mmap=mmap)
    spec = _spec(ft, path)
    return SubwordVectors(ft.words[:ft.nwords], ft.input, spec, counts=ft.counts[:ft.nwords],
                          dtype=dtype)


def load_fasttext_model(path, *, mmap: bool = False):
    """A fastText ``.bin`` (unsupervised, negative sampling or hierarchical softmax) as a
    :class:`~word2vec_fast.model.Model` that :meth:`~Model.train_more` trains further.

    With ``mmap=True`` the input matrix is mapped copy-on-write when it starts at a
    multiple of 4 bytes in the file: pages training never writes stay the file's, so a
    pretrained model costs memory only where it learns.  (fastText's own files place
    it wherever their dictionary ends; it is then read into memory once.)
    """
    ft = fasttext_io.read_bin(path, mmap=mmap)
    a = ft.args
    name = os.fspath(path)
    if a.model == _MODEL_SUP or ft.nlabels:
        raise ValueError(f"{name}: a supervised (classifier) model has no word vectors "
                         "training could go on from; load_fasttext reads its vectors")
    if a.loss not in (_LOSS_HS, _LOSS_NS):
        raise ValueError(f"{name}: fastText loss {fasttext_io.LOSS_NAMES.get(a.loss, a.loss)!r}"
                         " is not trained here (only 'ns' and 'hs')")
    spec = _spec(ft, path)
    v = ft.nwords
    if v < 1 or ft.output.shape != (v, a.dim):
        raise fasttext_io.VectorsFormatError(
            f"{name}: output matrix {ft.output.shape}, expected {(v, a.dim)}")
    inp = ft.input
    if mmap and isinstance(inp, np.memmap) and inp.offset % 4 == 0:
        inp = np.memmap(name, dtype=np.float32, mode="c", offset=inp.offset, shape=inp.shape)
    else:  # the kernels need whole floats: a matrix at an odd offset is read (once)
        inp = np.array(inp, dtype=np.float32)
    hs = a.loss == _LOSS_HS
    sg = a.model == _MODEL_SG
    params = dict(dim=a.dim, window=a.ws, negative=0 if hs else a.neg, hs=hs, sg=sg,
                  cbow_mean=True, sample=float(a.t), alpha=SUBWORD_ALPHA,
                  min_alpha=None, epochs=a.epoch, seed=1, min_count=max(a.min_count, 1),
                  batch=subword_batch(sg, hs), **spec.params())
    out = np.array(ft.output, dtype=np.float32)
    syn1neg = None if hs else out
    syn1 = np.ascontiguousarray(out[:max(v - 1, 1)]) if hs else None
    vocab = Vocab(ft.words[:v], ft.counts[:v])
    model = Model.__new__(Model)
    model._init_subword(vocab, inp, syn1neg, syn1, params, spec)
    return model


def _args_of(model) -> FastTextArgs:
    p, spec = model.params, model.subwords or SubwordSpec(0, 0, 0)
    hs_only = bool(p["hs"]) and p["negative"] == 0
    return FastTextArgs(
        dim=int(p["dim"]), ws=int(p["window"]), epoch=int(p["epochs"]),
        min_count=int(p.get("min_count", 1)), neg=int(p["negative"]) or 5, word_ngrams=1,
        loss=_LOSS_HS if hs_only else _LOSS_NS, model=_MODEL_SG if p["sg"] else _MODEL_CBOW,
        bucket=int(spec.buckets), minn=int(spec.minn), maxn=int(spec.maxn), lr_update_rate=100,
        t=float(p["sample"]))


def save_fasttext(model, path, *, output_layer: bool = True) -> None:
    """Write a model as a fastText ``.bin`` (format 12), atomically.

    fastText's own module and gensim's ``load_facebook_model`` read it and give the
    same vectors, trained and unknown words alike.

    Parameters
    ----------
    model : Model
        A model trained with ``subwords=True`` (or loaded from a ``.bin``); a model
        without n-grams (plain word2vec, ``subwords=True, maxn=0``) is written as
        fastText writes one trained with ``-maxn 0``: bucket 0, each word its row.
    path : str or os.PathLike
    output_layer : bool
        False writes the output matrix with no rows: about half the file at the
        defaults' dim, for serving vectors only (fastText and gensim still read the
        vectors; training cannot go on from it).
    """
    p = model.params
    v, dim = len(model.vocab), int(p["dim"])
    if not output_layer:
        out = np.zeros((0, dim), dtype=np.float32)
    elif model.syn1neg is not None:
        out = model.syn1neg
    elif model.syn1 is not None:  # hs alone: fastText's output matrix has one row per word
        out = np.zeros((v, dim), dtype=np.float32)
        out[:model.syn1.shape[0]] = model.syn1[:v]
    else:
        raise ValueError("this model has no output weights; save_fasttext(..., "
                         "output_layer=False) writes its vectors")
    inp = model.input_matrix if model.subwords is not None else model.vectors
    counts = np.asarray(model.vocab.counts, dtype=np.int64)
    ft = FastTextFile(args=_args_of(model), words=list(model.vocab.words), counts=counts,
                      types=np.zeros(v, dtype=np.int8), nwords=v, nlabels=0,
                      ntokens=int(counts.sum()), pruneidx_size=-1,
                      pruneidx=np.zeros((0, 2), dtype=np.int32),
                      input=np.ascontiguousarray(inp, dtype=np.float32),
                      output=np.ascontiguousarray(out), version=12)
    fasttext_io.write_bin(path, ft)


def save_fasttext_files(model, prefix) -> tuple:
    """fastText's pair of outputs: ``prefix.bin`` (:func:`save_fasttext`) and
    ``prefix.vec`` (every trained word's vector, word2vec's text format, as
    fastText writes it).  Returns the two paths."""
    prefix = os.fspath(prefix)
    save_fasttext(model, prefix + ".bin")
    model.wv.save(prefix + ".vec", binary=False)
    return prefix + ".bin", prefix + ".vec"
