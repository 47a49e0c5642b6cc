"""`python -m paquet_analyse <verbe>` : voir `paquet_analyse.cli`."""

import sys

from .cli import main

sys.exit(main())
