"""The report as a PDF, printed by headless Chromium from the offline HTML file.

The HTML report carries its own JavaScript, so a browser with every network lookup blocked
draws every chart; :func:`print_pdf` asks Chromium (Debian's ``chromium``, or the one named)
to print the page with the report's print stylesheet (A4, figures and table rows kept
whole, the chart toolbars hidden). No browser is downloaded: without Chromium the call is
a :class:`~phalanx.errors.UserError` that says so. Cost: Chromium's start-up and layout,
a few seconds.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from phalanx.errors import UserError

__all__ = ["find_chromium", "print_pdf"]

_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium(executable: str | Path | None = None) -> str:
    """The Chromium to print with: ``executable`` when given, else the first on the PATH."""
    if executable is not None:
        path = shutil.which(str(executable))
        if path is None:
            raise UserError(f"cannot print a PDF: no browser at {executable}")
        return path
    for name in _NAMES:
        path = shutil.which(name)
        if path is not None:
            return path
    raise UserError(
        "cannot print a PDF: Chromium is not installed (on Debian: apt-get install chromium); "
        "the HTML report prints well from any browser too"
    )


def print_pdf(
    html_file: str | Path,
    pdf_file: str | Path,
    *,
    executable: str | Path | None = None,
    timeout: float = 180.0,
    budget_ms: int = 10_000,
) -> Path:
    """Print ``html_file`` to ``pdf_file`` with headless Chromium, offline; return the path.

    ``budget_ms`` is the virtual time the page gets to run its scripts (draw the charts)
    before it is printed; ``timeout`` bounds the whole run in seconds. The PDF is written
    next to its destination and moved into place only when Chromium succeeded.
    """
    exe = find_chromium(executable)
    src = Path(html_file).resolve()
    dest = Path(pdf_file)
    if not dest.parent.is_dir():
        raise UserError(f"cannot write {dest}: folder {dest.parent} does not exist")
    with tempfile.TemporaryDirectory(prefix="phalanx-pdf-") as tmp:
        partial = Path(tmp) / "report.pdf"
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--virtual-time-budget={int(budget_ms)}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={partial}",
            src.as_uri(),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise UserError(f"Chromium did not print {src.name} within {timeout:g} s") from None
        if done.returncode != 0 or not partial.is_file() or partial.stat().st_size == 0:
            tail = (done.stderr or "").strip().splitlines()[-1:] or ["no message"]
            raise UserError(f"Chromium could not print {src.name}: {tail[0][:300]}")
        shutil.move(str(partial), dest)
    return dest
