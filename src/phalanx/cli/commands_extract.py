"""Candidate facts from a news article, for an analyst to review (``phalanx extract``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from phalanx.cli import app
from phalanx.cli.common import (
    DataOption,
    ForceOption,
    JsonOption,
    OnTopOption,
    UserError,
    console,
    emit_json,
    load_kb,
    print_table,
    user_errors,
)


@app.command("extract")
def extract_command(
    article: Annotated[Path, typer.Argument(help="The article: a UTF-8 text file (at most 2 MB).")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help="Write the new and contradicting candidates as a data package in this "
            "folder (needs --url).",
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url", help="Where the article can be read (http or https), for its sources row."
        ),
    ] = None,
    reliability: Annotated[
        str,
        typer.Option("--reliability", help="Grade of the article as a source (default: news)."),
    ] = "news",
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="The article's own date (YYYY, YYYY-MM or YYYY-MM-DD), to resolve 'yesterday' "
            "or 'last year'; without it they stay unresolved.",
        ),
    ] = None,
    data: DataOption = None,
    on_top: OnTopOption = False,
    json_out: JsonOption = False,
    force: ForceOption = False,
) -> None:
    """Propose candidate facts in an article: actors, membership changes, invocations,
    clashes, arms deals and recognitions, each with its sentence and date, marked as known
    to the knowledge base, new, or contradicting a row.

    Offline: regular expressions over the knowledge base's names and aliases and a table
    of demonyms and capitals. Nothing is added to any package unless --output is given.
    """
    from phalanx.ingest.extract import MAX_ARTICLE_BYTES, extract_article
    from phalanx.ingest.extract.rows import article_source, write_candidates
    from phalanx.kb.dates import parse_partial_date
    from phalanx.safe_files import read_user_text

    with user_errors():
        anchor = None
        if date is not None:
            try:
                anchor = parse_partial_date(date)
            except ValueError as e:
                raise UserError(str(e), field="--date") from None
        if output is not None and url is None:
            raise UserError(
                "needs --url URL: the sources row of the article must say where it can be read",
                field="--output",
            )
        text = read_user_text(article, limit=MAX_ARTICLE_BYTES, what="article")
        kb = load_kb(data, on_top)
        result = extract_article(text, kb, anchor=anchor)
        written, notes = None, []
        if output is not None:
            source = article_source(text, article.name, url=url, reliability=reliability)
            written, notes = write_candidates(result, kb, output, source, force=force)
    if json_out:
        emit_json(
            {
                "article": str(article),
                **result.as_dict(),
                "package": None if written is None else str(written),
                "notes": notes,
            }
        )
        return
    mentioned = ", ".join(f"{a} ({'/'.join(w)})" for a, w in result.actors.items())
    console.print(f"Actors mentioned: {mentioned or 'none'}", markup=False)
    rows = [
        {
            "status": c.status,
            "kind": c.kind,
            "date": f"{c.date} ({c.precision})",
            "actors": ";".join(c.actors),
            "organization": c.organization,
            "certainty": c.certainty,
            "kb_rows": ";".join(c.kb_rows),
            "sentence": c.sentence if len(c.sentence) <= 100 else c.sentence[:97] + "...",
        }
        for c in result.candidates
    ]
    print_table(
        f"Candidate facts ({len(rows)})",
        ["status", "kind", "date", "actors", "organization", "certainty", "kb_rows", "sentence"],
        rows,
        caption=f"{len(result.undated)} more signal(s) with no date in reach (see --json)",
    )
    if written is not None:
        console.print(f"wrote {written}", markup=False)
