"""Shared test helpers: the fixtures folder and the samples folder."""

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture
def fixture_path():
    return lambda name: FIXTURES / name
