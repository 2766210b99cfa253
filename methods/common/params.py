"""Method parameters from the command line: a dataclass built from loosely typed values.

``--param steps=50`` arrives as a string (or JSON-parsed value); :func:`build_params` converts each
to the type of the dataclass field (int, float, bool, Path, optional) and rejects unknown names.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any

from unifybench.errors import ConfigError


def _coerce(name: str, value: Any, annotation: Any) -> Any:
    """Convert a CLI string to the field's type (int, float, bool, Path, optional)."""
    hint = annotation
    optional = False
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        optional = len(args) < len(typing.get_args(hint))
        hint = args[0]
    if value is None or (
        optional and isinstance(value, str) and value.lower() in {"", "none", "null"}
    ):
        if optional:
            return None
        raise ConfigError(f"parameter '{name}' must not be empty")
    try:
        if hint is bool:
            if isinstance(value, str):
                return value.lower() in {"1", "true", "yes", "on"}
            return bool(value)
        if hint is int:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return int(value)
        if hint is float:
            return float(value)
        if hint is Path:
            return Path(value).expanduser()
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"parameter '{name}': cannot read {value!r} as {hint.__name__}") from exc


def build_params(cls: type, kwargs: dict[str, Any]):
    """Instantiate dataclass ``cls`` from loosely typed ``kwargs``; unknown names are errors."""
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(kwargs) - fields)
    if unknown:
        raise ConfigError(f"unknown parameter(s) {unknown}; known: {sorted(fields)}")
    return cls(**{k: _coerce(k, v, hints[k]) for k, v in kwargs.items()})
