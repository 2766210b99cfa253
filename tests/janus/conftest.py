"""Fixtures for the Janus tests: offline hub, a tiny backbone, a concept built from real photos."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest


@pytest.fixture(scope="session")
def janus_tiny():
    """A tiny random Janus backbone (shared; tests must not add tokens to it)."""
    from methods.janus.backbone import JanusBackbone

    return JanusBackbone.create("tiny", device="cpu")


@pytest.fixture(scope="session")
def cat(tmp_path_factory):
    from tests.janus.photos import cat_concept

    return cat_concept(tmp_path_factory.mktemp("concept"))


@pytest.fixture(scope="session")
def pictures():
    from tests.janus.photos import sample_pictures

    return sample_pictures()
