"""Command-line interface: a thin Typer shell over the library functions."""

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Phalanx: model a collective security system.")


@app.callback()
def _root() -> None:
    """Phalanx: model a collective security system."""


def main() -> None:
    app()
