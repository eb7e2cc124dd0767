"""Failure checks for notebooks executed by .ci/notebooks.

This file is used in two ways, both from .ci/notebooks:

1. As a Jupyter configuration file (jupyter nbconvert --config=.ci/nbcheck.py).
   It installs a hook that runs after every cell: when the cell failed, the
   hook writes a report (the reason on its first line, then the cell's
   source and outputs as plain text) to the file named by $POPKIT_NB_REPORT
   and to stderr after "POPKIT-NB-FAIL: ", and stops the notebook. It also
   limits each cell to the time left before $POPKIT_NB_DEADLINE, so that
   nbclient stops a notebook that overruns and shuts its kernel down.
2. As a script, after a notebook ran to its end:
       python3 .ci/nbcheck.py EXECUTED.ipynb SOURCE.ipynb ARTEFACTS_DIR
   It prints the reason the executed notebook failed (first line) and the
   details (following lines), or nothing when it passed. It checks the same
   cell failures again, so a failure is caught even if the hook did not load,
   and the artefacts that SOURCE's metadata.popkit.expects lists.

A cell failed when its execution reply has status "error", when it has an
output of type "error", or when one of its stderr outputs has a line that
GoNB writes for a program or `!` shell command that failed without an error
status: "exit status N", "signal: NAME" or "panic: ...".

Standard library only.
"""

import html
import json
import os
import re
import sys
import time

MARKER = "POPKIT-NB-FAIL: "

# REPORT_ENV names the environment variable with the file that the hook
# writes its failure report to.
REPORT_ENV = "POPKIT_NB_REPORT"

# DEADLINE_ENV names the environment variable with the Unix time by which the
# whole notebook must have finished.
DEADLINE_ENV = "POPKIT_NB_DEADLINE"

_FAILURE_LINE = re.compile(r"^(exit status -?\d+|signal: [\w ]+|panic: .*)$", re.M)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_STYLE = re.compile(r"(?s)<(style|script)\b.*?</\1>")
_TAG = re.compile(r"<[^>]+>")
_BLANKS = re.compile(r"\n\s*\n+")


def _join(value):
    return "".join(value) if isinstance(value, list) else (value or "")


def output_text(out):
    """Returns an output's content as plain text."""
    kind = out.get("output_type")
    if kind == "stream":
        text = _join(out.get("text"))
    elif kind == "error":
        text = "%s: %s\n%s" % (out.get("ename", ""), out.get("evalue", ""),
                               "\n".join(out.get("traceback") or []))
    else:
        data = out.get("data") or {}
        if "text/plain" in data:
            text = _join(data["text/plain"])
        elif "text/html" in data:
            text = html.unescape(_TAG.sub("", _STYLE.sub("", _join(data["text/html"]))))
        else:
            text = "<%s>" % ", ".join(sorted(data))
    return _BLANKS.sub("\n", _ANSI.sub("", text)).strip("\n")


def cell_failure(cell, reply=None):
    """Returns why a code cell failed, or None.

    reply is the content of the cell's execute reply, when known.
    """
    stderr = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return "error output: %s: %s" % (out.get("ename", ""), out.get("evalue", ""))
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            stderr.append(_join(out.get("text")))
    # A program's stderr arrives in chunks that may split a line, while
    # GoNB's own "exit status" line starts a chunk of its own: try both joins.
    for text in ("".join(stderr), "\n".join(stderr)):
        found = _FAILURE_LINE.search(text)
        if found:
            return "stderr reports %r" % found.group(1)
    if reply and reply.get("status") == "error":
        return "error reply: %s: %s" % (reply.get("ename", ""), reply.get("evalue", ""))
    return None


def cell_report(cell, index, reason, limit=6000):
    """Returns a failed cell's reason, source and outputs as text."""
    parts = ["cell %d: %s" % (index, reason), "---- cell %d source:" % index,
             _join(cell.get("source")), "---- cell %d outputs:" % index]
    for out in cell.get("outputs", []):
        label = out.get("name") or out.get("output_type")
        parts.append("[%s] %s" % (label, output_text(out)))
    text = "\n".join(parts)
    if len(text) > limit:
        text = text[:limit] + "\n... (truncated)"
    return text


class NotebookCellFailed(Exception):
    """Raised by the hook to stop a notebook at its first failed cell."""


def _on_cell_executed(cell, cell_index, execute_reply):
    reason = cell_failure(cell, (execute_reply or {}).get("content"))
    if reason:
        report = cell_report(cell, cell_index, reason)
        print(MARKER + report, file=sys.stderr, flush=True)
        path = os.environ.get(REPORT_ENV)
        if path:
            with open(path, "w") as f:
                f.write(report + "\n")
        raise NotebookCellFailed("cell %d: %s" % (cell_index, reason))


def _cell_timeout(cell):
    """Returns the seconds left before the notebook's deadline (at least 1)."""
    deadline = os.environ.get(DEADLINE_ENV)
    if not deadline:
        return None
    return max(1, int(float(deadline) - time.time()))


def check(executed, source, artefacts):
    """Returns the failure report for an executed notebook, or ""."""
    with open(executed) as f:
        nb = json.load(f)
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") == "code":
            reason = cell_failure(cell)
            if reason:
                return cell_report(cell, index, reason)

    with open(source) as f:
        meta = json.load(f).get("metadata", {})
    expects = (meta.get("popkit") or {}).get("expects") or []
    if not isinstance(expects, list) or not all(isinstance(e, str) for e in expects):
        return "%s: metadata.popkit.expects must be a list of file names, got %r" % (
            source, expects)
    missing = []
    for name in expects:
        path = os.path.join(artefacts, name)
        if not os.path.isfile(path) or os.path.getsize(path) == 0:
            missing.append(name)
    if missing:
        return "missing or empty artefacts: %s (looked in %s)" % (", ".join(missing), artefacts)
    return ""


if "get_config" in globals():
    # Loaded by Jupyter as a configuration file.
    c = get_config()  # noqa: F821 (defined by Jupyter's config loader)
    c.ExecutePreprocessor.on_cell_executed = _on_cell_executed
    c.ExecutePreprocessor.timeout_func = _cell_timeout
elif __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: nbcheck.py EXECUTED.ipynb SOURCE.ipynb ARTEFACTS_DIR")
    report = check(*sys.argv[1:])
    if report:
        print(report)
