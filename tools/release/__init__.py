"""The student release: which files ship, solution regions turned into stubs, and the checks on the result.

    python -m tools.release [--validate] [-a N] [--out DIR] [--notebooks]   (see build.py)

    files.py     release_files(root, name): THE list of files that go into a release / an autograder zip
    markers.py   the `### BEGIN/END SOLUTION` markers: find regions, stub .py text and notebook cells
    build.py     render a release in memory, write the folder and zip, validate it (imports, leaks,
                 every graded test fails on the stubs), the command line

The names in __all__ are the package's API for the other tools (the grader imports them).
"""

import fnmatch

from . import markers
from .build import ZIP_DATE, autograder_files, find_leaks, zip_leaks, main, render, validate, write_tree, write_zip
from .files import (
    ASSIGNMENTS,
    AUTOGRADER_TOOLS,
    DATASET_FILES,
    REFERENCE_ONLY,
    autograder_tool_files,
    existing_assignments,
    is_dataset_file,
    is_reference_only,
    list_files,
    release_files,
)

__all__ = [
    "ASSIGNMENTS",
    "AUTOGRADER_TOOLS",
    "DATASET_FILES",
    "REFERENCE_ONLY",
    "ZIP_DATE",
    "autograder_files",
    "autograder_tool_files",
    "existing_assignments",
    "find_leaks",
    "fnmatch",
    "is_dataset_file",
    "is_reference_only",
    "list_files",
    "main",
    "markers",
    "release_files",
    "render",
    "validate",
    "write_tree",
    "write_zip",
    "zip_leaks",
]
