"""Knowledge bases shared by the membership-dynamics tests (built once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from phalanx.kb import KnowledgeBase

DATA = Path(__file__).resolve().parents[1] / "data" / "kb"


@pytest.fixture(scope="session")
def eurasia() -> KnowledgeBase:
    return KnowledgeBase.embedded()


@pytest.fixture(scope="session")
def anzus_kb() -> KnowledgeBase:
    return KnowledgeBase.from_path(DATA / "anzus")


@pytest.fixture(scope="session")
def triple_kb() -> KnowledgeBase:
    return KnowledgeBase.from_path(DATA / "triple-alliance")
