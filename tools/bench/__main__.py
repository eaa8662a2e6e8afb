"""`python -m tools.bench`: run the benchmark sections."""

import sys

from .runner import main

sys.exit(main())
