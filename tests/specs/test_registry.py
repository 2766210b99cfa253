"""The generic Registry: lazy module:obj entries, providers, entry points, checks, collisions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from unifybench.errors import ConfigError
from unifybench.registry import Registry

ROOT = Path(__file__).resolve().parents[2]


def _only_ints(obj: object) -> None:
    if not isinstance(obj, int):
        raise TypeError(f"expected an int, got {type(obj).__name__}")


def test_lazy_entries_import_only_when_asked() -> None:
    code = (
        "import sys\n"
        "from unifybench.registry import Registry\n"
        "r = Registry('thing')\n"
        "r.lazy('wave', 'wave:open')\n"
        "print('wave' in sys.modules, r.names())\n"
        "print(r.get('wave').__name__, 'wave' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.splitlines() == ["False ['wave']", "open True"], out.stderr


def test_collisions_checks_and_unknown_names() -> None:
    r: Registry[int] = Registry("number", check=_only_ints)
    r.add("one", 1)
    r.add("one", 1)  # the same object again is fine
    with pytest.raises(ConfigError, match="two numbers are named 'one'"):
        r.add("one", 2)
    with pytest.raises(ConfigError, match="expected an int"):
        r.add("two", "2")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"unknown number 'three'; known numbers: one"):
        r.get("three")
    r.lazy("pi", "math:pi")
    with pytest.raises(ConfigError, match="two numbers are named 'pi'"):
        r.lazy("pi", "math:e")
    r.remove("one")
    assert "one" not in r


def test_an_unimportable_entry_is_reported_not_raised() -> None:
    r: Registry[object] = Registry("plugin")
    r.lazy("ghost", "no_such_module_here:Thing")
    assert r.find("ghost") is None
    assert "cannot import no_such_module_here" in r.unavailable()["ghost"]
    with pytest.raises(ConfigError, match="plugin 'ghost' is not available"):
        r.get("ghost")


def test_providers_and_entry_points(monkeypatch) -> None:
    import importlib.metadata as md

    class EP:
        name, value = "sqrt", "math:sqrt"

    monkeypatch.setattr(md, "entry_points", lambda group=None: [EP()] if group == "g" else [])
    r: Registry[object] = Registry("function", entry_point_group="g", name_of=lambda f: f.__name__)
    assert r.get("sqrt")(9.0) == 3.0
    r2: Registry[object] = Registry("function", name_of=lambda f: f.__name__)
    r2.provider("tests.specs.test_registry", "PROVIDED")
    assert r2.get("_only_ints") is _only_ints


PROVIDED = (_only_ints,)
