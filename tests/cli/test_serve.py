"""``phalanx serve``: bad options stop it with one clear line and exit code 2, before any
server starts (so these tests never block); the help shows the declared bounds."""

from __future__ import annotations

import socket

import pytest

pytest.importorskip("fastapi")

from phalanx.cli import commands_serve  # noqa: E402
from phalanx.errors import UserError  # noqa: E402
from phalanx.web.settings import WebSettings  # noqa: E402


@pytest.fixture
def no_server(monkeypatch):
    """Fail the test if the command gets as far as starting uvicorn."""
    import uvicorn

    def refuse(*args, **kwargs):
        raise AssertionError("the server was started")

    monkeypatch.setattr(uvicorn, "run", refuse)


def _one_error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--port", "0"], "--port"),
        (["--port", "65536"], "less than or equal to 65535"),
        (["--max-runs", "0"], "--max-runs"),
        (["--max-jobs", "17"], "--max-jobs"),
        (["--job-timeout", "nan"], "--job-timeout"),
        (["--host", "no-such-host.invalid"], "cannot resolve host"),
        (["--host", "192.0.2.1"], "--host"),  # TEST-NET: not an address of this machine
    ],
)
def test_bad_options_are_one_line_and_exit_2(run, no_server, args, words):
    line = _one_error_line(run("serve", *args))
    assert words in line


def test_a_port_in_use_is_named(run, no_server):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        line = _one_error_line(run("serve", "--port", str(port)))
    assert f"port {port}" in line and "in use" in line and "--port" in line


def test_a_missing_data_folder_is_named_before_the_server_starts(run, no_server, tmp_path):
    port = str(_free_port())
    line = _one_error_line(run("serve", "--port", port, "--data", str(tmp_path / "none")))
    assert "does not exist" in line


def test_a_state_dir_that_is_a_file_is_refused(run, no_server, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    line = _one_error_line(run("serve", "--port", str(_free_port()), "--state-dir", str(f)))
    assert "--state-dir" in line and "not a folder" in line


def test_the_missing_web_extra_is_explained(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a)
    )
    with pytest.raises(UserError, match=r"phalanx\[web\]"):
        commands_serve.check_web_extra()


def test_it_starts_the_app_on_the_address_given(run, monkeypatch, tmp_path):
    """With good options the command builds the app and hands it to uvicorn on the
    loopback address (the call is captured, so nothing listens)."""
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    port = _free_port()
    result = run("serve", "--port", str(port), "--state-dir", str(tmp_path), "--max-runs", "50")
    assert result.exit_code == 0, result.output
    assert seen["host"] == "127.0.0.1" and seen["port"] == port
    assert f"http://127.0.0.1:{port}/" in result.output
    settings = seen["app"].state.settings
    assert settings.max_runs == 50 and settings.state_dir == tmp_path


def test_help_shows_the_declared_defaults():
    from typer.testing import CliRunner

    import phalanx.cli as cli

    cli._register()
    out = CliRunner().invoke(cli.app, ["serve", "--help"], terminal_width=200).output
    for name in ("max_runs", "max_years", "max_jobs", "max_queued", "job_timeout"):
        assert str(WebSettings.model_fields[name].default) in out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
