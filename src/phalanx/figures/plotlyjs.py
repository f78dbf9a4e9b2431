"""The JavaScript that draws the charts: Plotly's official *basic* bundle, embedded once.

Plotly.py carries only the full plotly.js bundle (4.8 MB), which would make every report
about 5 MB. The charts of Phalanx use two trace types, ``scatter`` and ``bar``, which
plotly.js's official basic distribution (``plotly.js-basic-dist-min`` on npm: scatter, bar
and pie, 1.2 MB) draws in full. Phalanx ships that file, unchanged, with its MIT licence
(``plotly-basic.min.js`` and ``plotly-basic.LICENSE`` beside this module), at the version of
plotly.js that the installed Plotly.py writes figures for (a test checks the major
versions agree). :func:`plotly_script` gives the ``<script>`` element that a page embeds
once, before its first figure; figures are then written with ``include_plotlyjs=False``.
Nothing is fetched from a network, so the pages work offline.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

__all__ = ["BUNDLE", "bundle_version", "plotly_script"]

BUNDLE = "plotly-basic.min.js"
"""The file name of the embedded bundle, in this package."""


@functools.cache
def _bundle() -> str:
    return (resources.files("phalanx.figures") / BUNDLE).read_text(encoding="utf-8")


def bundle_version() -> str:
    """The plotly.js version of the embedded bundle, read from its header (e.g. ``4.1.1``)."""
    found = re.search(r"plotly\.js \(basic - minified\) v(\d+\.\d+\.\d+)", _bundle()[:400])
    if found is None:  # pragma: no cover - the shipped file has its header
        raise RuntimeError(f"{BUNDLE} has no version header")
    return found.group(1)


def plotly_script() -> str:
    """The ``<script>`` element that defines ``Plotly`` for the page (about 1.2 MB)."""
    return f'<script type="text/javascript">{_bundle()}</script>'
