"""`python -m tools.release`: build (and validate) the student release."""

import sys

from .build import main

sys.exit(main())
