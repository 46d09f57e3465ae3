"""Findings about the data: reported in a table and a visible warning, never an abort.

In: a message (and, for tables, a DataFrame the stage writes itself).
Out: one line ``data warning: <message>`` on the notebook's standard error (shown under the
cell, kept in the executed notebook), which the batch runner repeats in its own output.
Used by: every notebook through its stage module (``clean``, ``entities``, ``framing``) and by
``helpers.pipeline``, which collects the lines from each executed notebook.

A *finding* is something true of the user's pages (a target mention the entity stage missed, a
page that yields no article, a page whose kept text is a small share of its words, an author
that looks like furniture). It is written to a table under ``data/processed/`` and announced
here; the run goes on. Only a real failure (bad parameters, an unreadable lexicon, no article at
all) raises.

The line carries no file path or line number (Python's ``warnings`` module would print the
module's absolute path into a committed notebook), and it is printed every time, not once per
call site.
"""

from __future__ import annotations

import sys
from typing import Iterable

PREFIX = "data warning: "


def warn(message: str) -> None:
    """Print one finding for the reader of the notebook and the runner's log."""
    for line in str(message).splitlines() or [""]:
        print(PREFIX + line, file=sys.stderr, flush=True)


def warn_all(messages: Iterable[str], limit: int = 20) -> int:
    """Warn about each message, at most ``limit`` lines and then a count of the rest."""
    messages = list(messages)
    for m in messages[:limit]:
        warn(m)
    if len(messages) > limit:
        warn(f"... and {len(messages) - limit} more (see the table)")
    return len(messages)


def warnings_in_notebook(nb) -> list[str]:
    """The data warnings an executed notebook printed, in cell order (for the batch runner)."""
    found: list[str] = []
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) or []:
            if out.get("output_type") != "stream" or out.get("name") != "stderr":
                continue
            text = out.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            found.extend(line[len(PREFIX):] for line in text.splitlines() if line.startswith(PREFIX))
    return found
