"""Solution markers: find `### BEGIN SOLUTION` / `### END SOLUTION` regions and replace them by stubs.

Used by tools/release (student release), grade.py (the stubbed base a submission is laid
over) and tools/dev/copies.py (a later assignment's copy drops the marker lines). Standard library only.

A region in a .py file or a notebook code cell

        ### BEGIN SOLUTION
        scores = X.dot(W)
        ### END SOLUTION

becomes, at the BEGIN line's indentation,

        # YOUR CODE HERE
        raise NotImplementedError

Markdown cells tagged `solution` (cell metadata "tags") become the prompt `*Your answer:*`.
An END without BEGIN, a BEGIN without END, or a BEGIN inside a region raises MarkerError
naming the file and line (for notebooks: the cell and the line in it).
"""

import copy
import re

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = ["# YOUR CODE HERE", "raise NotImplementedError"]
ANSWER_PROMPT = "*Your answer:*"
SOLUTION_TAG = "solution"

_MARKER_RE = re.compile(r"^(\s*)(### BEGIN SOLUTION|### END SOLUTION)\s*$")


class MarkerError(Exception):
    """An unbalanced or nested solution marker; the message names file and line."""


def marker_kind(line):
    """'begin', 'end' or None for one line of text."""
    m = _MARKER_RE.match(line.rstrip("\r\n"))
    if not m:
        return None
    return "begin" if m.group(2) == BEGIN else "end"


def is_marker_line(line):
    return marker_kind(line) is not None


def find_regions(lines, where="<text>"):
    """Regions as (begin_index, end_index) pairs (0-based, inclusive of the marker lines).

    `where` is a callable line_index -> description, or a file name; used in errors.
    """
    describe = where if callable(where) else (lambda i: f"{where}:{i + 1}")
    regions, open_at = [], None
    for i, line in enumerate(lines):
        kind = marker_kind(line)
        if kind == "begin":
            if open_at is not None:
                raise MarkerError(
                    f"{describe(i)}: nested '{BEGIN}' (the region opened at "
                    f"{describe(open_at)} is not closed yet); close it with '{END}' first"
                )
            open_at = i
        elif kind == "end":
            if open_at is None:
                raise MarkerError(f"{describe(i)}: '{END}' without a matching '{BEGIN}'")
            regions.append((open_at, i))
            open_at = None
    if open_at is not None:
        raise MarkerError(f"{describe(open_at)}: '{BEGIN}' is never closed; add '{END}' after the solution")
    return regions


def _indent(line):
    return line[: len(line) - len(line.lstrip(" \t"))]


def stub_lines(lines, where="<text>"):
    """(new_lines, hidden_lines): lines with every region replaced by the stub.

    `lines` keep their line endings (str.splitlines(keepends=True)); hidden_lines are the
    lines that were inside regions (without the marker lines).
    """
    regions = find_regions(lines, where)
    out, hidden, pos = [], [], 0
    for b, e in regions:
        out.extend(lines[pos:b])
        ind = _indent(lines[b])
        out.append(ind + STUB[0] + "\n")
        # the stub ends with a newline unless the END line was the text's last, unterminated line
        out.append(ind + STUB[1] + ("\n" if lines[e].endswith("\n") else ""))
        hidden.extend(lines[b + 1 : e])
        pos = e + 1
    out.extend(lines[pos:])
    return out, hidden


def stub_text(text, filename="<text>"):
    """(released_text, hidden_lines, n_regions) for the text of a .py file."""
    lines = text.splitlines(keepends=True)
    regions = find_regions(lines, filename)
    new, hidden = stub_lines(lines, filename)
    return "".join(new), hidden, len(regions)


def drop_marker_lines(text):
    """The text without its marker lines (the solution code between them stays)."""
    return "".join(l for l in text.splitlines(keepends=True) if not is_marker_line(l))


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell):
    return (cell.get("metadata") or {}).get("tags") or []


def stub_notebook(nb, filename="<notebook>"):
    """(released_nb, hidden_lines, n_regions) for a notebook given as a dict (nbformat 4 JSON).

    Code cells lose outputs and execution counts and have their regions stubbed; markdown
    cells tagged `solution` become the answer prompt (their text counts as hidden). The
    input is not modified.
    """
    nb = copy.deepcopy(nb)
    hidden, n = [], 0
    for ci, cell in enumerate(nb.get("cells", [])):
        src = _source(cell)
        if cell.get("cell_type") == "code":
            lines = src.splitlines(keepends=True)
            where = lambda i, ci=ci: f"{filename}: cell {ci + 1}, line {i + 1}"
            regions = find_regions(lines, where)
            new, h = stub_lines(lines, where)
            new_src = "".join(new)
            if not src.endswith("\n") and new_src.endswith("\n"):
                new_src = new_src[:-1]
            cell["source"] = new_src
            cell["outputs"] = []
            cell["execution_count"] = None
            hidden.extend(h)
            n += len(regions)
        else:
            lines = src.splitlines(keepends=True)
            for i, line in enumerate(lines):
                if is_marker_line(line):
                    raise MarkerError(
                        f"{filename}: cell {ci + 1}, line {i + 1}: solution marker in a "
                        f"{cell.get('cell_type')} cell; markers belong in code cells "
                        f"(tag a markdown answer cell '{SOLUTION_TAG}' instead)"
                    )
            if cell.get("cell_type") == "markdown" and SOLUTION_TAG in _tags(cell):
                hidden.extend(lines)
                cell["source"] = ANSWER_PROMPT
                n += 1
        # metadata of an execution (timings, scroll state) is not part of the release
        md = cell.get("metadata") or {}
        for key in ("execution", "collapsed", "scrolled"):
            md.pop(key, None)
    return nb, hidden, n
