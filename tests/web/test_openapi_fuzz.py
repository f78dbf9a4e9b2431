"""Property: no request the OpenAPI schema describes, valid or not, makes the dashboard
answer 500. Schemathesis builds Hypothesis strategies for every operation of
``/openapi.json`` in its positive and negative modes (values within and outside the
declared bounds, malformed dates, unknown ids) and the requests go to the application
in-process. Bounded (a few examples per operation and mode, derandomised), so it runs in
well under a minute."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402

EXAMPLES = 5
"""Examples per operation and generation mode (about 30 operations, two modes)."""


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    from phalanx.web.app import create_app
    from phalanx.web.settings import WebSettings

    app = create_app(WebSettings(state_dir=tmp_path_factory.mktemp("state-fuzz")))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _content_type(response) -> str:
    value = response.headers.get("content-type") or ""
    return value[0] if isinstance(value, list) and value else str(value)


def _operations(schema) -> list:
    ops = [result.ok() for result in schema.get_all_operations()]
    assert len(ops) >= 20, "the schema should describe every page and its twins"
    return ops


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_request_yields_a_server_error(api_schema, mode):
    failures: list[str] = []
    tried = 0
    for operation in _operations(api_schema):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:
            response = case.call()
            if response.status_code >= 500 or b"Traceback" in response.content:
                failures.append(f"{response.status_code}: {case.as_curl_command()}")
            elif response.status_code >= 400 and "json" in _content_type(response):
                assert response.json()["detail"], case.as_curl_command()  # says why

        try:
            check()
        except Unsatisfiable:  # no parameter to break (negative mode): nothing to send
            assert mode is GenerationMode.NEGATIVE, operation.label
            continue
        tried += 1
    assert not failures, failures[:10]
    assert tried >= 10
