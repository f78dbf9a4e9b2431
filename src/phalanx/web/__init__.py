"""The web dashboard (``phalanx serve``): a FastAPI application with server-rendered pages.

The web layer is a shell, like the CLI and the report: each page calls a library function
that returns plain data, renders it with a Jinja2 template, and offers the same dict as
JSON (the page's URL with ``.json``, or ``Accept: application/json``) and, where the view
is a table or a network, as downloads. Charts are the shared figures of
:mod:`phalanx.figures`, drawn by the embedded Plotly bundle served from ``/static``:
nothing is fetched from another host.

Modules: :mod:`~phalanx.web.settings` (the declared settings and their bounds),
:mod:`~phalanx.web.app` (``create_app``: lifespan, error handlers, static files),
:mod:`~phalanx.web.render` (the ``page`` decorator: HTML, JSON twin, downloads),
:mod:`~phalanx.web.routes_pages` (the views), :mod:`~phalanx.web.jobs` and
:mod:`~phalanx.web.routes_jobs` (background scenario runs).
"""
