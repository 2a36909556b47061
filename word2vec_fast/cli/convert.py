"""``word2vec-fast convert``: binary <-> text, or the first N vectors of a file."""
from __future__ import annotations

from .common import (Parser, add_format_flags, binary_for, check_writable, int_at_least,
                     load_vectors, say)


def convert_parser():
    """The flags of ``word2vec-fast convert``."""
    p = Parser(prog="word2vec-fast convert",
               description="Convert between word2vec's binary and text formats.",
               epilog="""\
The input format is detected.  The output format follows OUT's extension (.bin binary,
.txt/.vec text; .gz/.bz2/.xz compress) unless --binary or --text is given.

examples:
  word2vec-fast convert vectors.bin vectors.txt
  word2vec-fast convert glove.txt glove.bin --limit 100000
  word2vec-fast convert vectors.bin small.vec.gz --limit 50000 --text
""")
    p.add_argument("input", metavar="IN", help="vectors file to read")
    p.add_argument("output", metavar="OUT", help="vectors file to write")
    p.add_argument("--limit", type=int_at_least(1), default=None, metavar="N",
                   help="keep only the first N vectors")
    add_format_flags(p, "OUT")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    return p


def run_convert(argv) -> int:
    """``word2vec-fast convert IN OUT``: read a vectors file, write it in the format OUT asks."""
    a = convert_parser().parse_strict(argv)
    binary = binary_for(a.output, a.binary)
    check_writable(a.output, "OUT")
    vecs = load_vectors(a.input, a.limit)
    vecs.save(a.output, binary=binary)
    say(f"wrote {len(vecs):,} x {vecs.dim} vectors ({'binary' if binary else 'text'}) to "
        f"{a.output}", quiet=a.quiet)
    return 0
