"""``python -m word2vec_fast.cli`` runs the ``word2vec-fast`` command."""
import sys

from .dispatch import main

sys.exit(main())
