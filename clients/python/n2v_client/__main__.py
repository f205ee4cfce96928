"""Entry point of `python -m n2v_client` (see cli.py)."""

import sys

from .cli import main

sys.exit(main())
