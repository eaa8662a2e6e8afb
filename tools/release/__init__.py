"""The student release: which files ship, solution regions turned into stubs, and the checks on the result.

    python -m tools.release [--validate] [-a N] [--out DIR] [--notebooks]   (see build.py)

    files.py     release_files(root, name): THE list of files that go into a release / an autograder zip
    markers.py   the `### BEGIN/END SOLUTION` markers: find regions, stub .py text and notebook cells
    build.py     render a release in memory, write the folder and zip, validate it (imports, leaks,
                 every graded test fails on the stubs), the command line

The names below are the package's API for the other tools (the grader imports them).
"""

import fnmatch  # noqa: F401  (kept for callers that use release.fnmatch)

from . import markers  # noqa: F401
from .build import ZIP_DATE, find_leaks, main, render, validate, write_tree, write_zip  # noqa: F401
from .files import (ASSIGNMENTS, AUTOGRADER_TOOLS, DATASET_FILES, REFERENCE_ONLY,  # noqa: F401
                    autograder_tool_files, existing_assignments, is_dataset_file, is_reference_only,
                    list_files, release_files)
