"""``python -m word2vec_fast`` runs the ``word2vec-fast`` command."""
import sys

from .cli import main

sys.exit(main())
