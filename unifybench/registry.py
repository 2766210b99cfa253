"""One generic registry for all UnifyBench finds by name: methods, tasks, scorers, benchmarks.

A :class:`Registry` maps names to objects of one kind. Objects arrive in four ways, and nothing is
imported before it is needed:

- ``add(name, obj)`` / the ``register(name)`` decorator: an object that already exists;
- ``lazy(name, "package.module:attr")``: imported on first use (heavy methods stay unimported);
- ``provider("package.module", attr)``: a module whose ``attr`` holds one object or a tuple of them
  (each with a ``name``), or is a function returning them; imported the first time a name is
  missed or everything is listed;
  :meth:`discover` adds every module of a package as a provider;
- entry points of ``entry_point_group`` from installed packages (``name = "module:attr"``).

Two different objects under one name are an error that names both sources; registering the same
object twice is not. ``check`` validates every object as it is loaded (e.g. a base-class or type
check), so a wrong kind of object fails with the registry's name in the message.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from unifybench.errors import ConfigError

T = TypeVar("T")


def import_target(target: str) -> Any:
    """The object named by ``"package.module:attr.sub"`` (ImportError, AttributeError raised)."""
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(f"expected 'package.module:attr', got {target!r}")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


class Registry(Generic[T]):
    """Named objects of one kind (see the module docstring).

    ``kind`` names the kind in messages ("task", "scorer", ...). ``check(obj)`` raises TypeError or
    ValueError for an object that is not of the kind; its message is wrapped in a ConfigError.
    ``name_of(obj)`` gives the name of an object that a provider lists (default ``obj.name``).
    """

    def __init__(
        self,
        kind: str,
        *,
        check: Callable[[Any], None] | None = None,
        entry_point_group: str | None = None,
        name_of: Callable[[Any], str] | None = None,
    ) -> None:
        self.kind = kind
        self.entry_point_group = entry_point_group
        self._check = check
        self._name_of = name_of or (lambda obj: obj.name)
        self._objects: dict[str, T] = {}
        self._sources: dict[str, str] = {}
        self._lazy: dict[str, str] = {}
        self._providers: list[tuple[str, str]] = []
        self._packages: list[tuple[str, str]] = []
        self._loaded_providers: set[tuple[str, str]] = set()
        self._entry_points: dict[str, str] | None = None
        self._unavailable: dict[str, str] = {}

    # -- adding ---------------------------------------------------------------------------------
    def add(self, name: str, obj: T, *, source: str = "") -> T:
        """Register ``obj`` under ``name``; ConfigError when another object has that name."""
        self._validate(name, obj, source)
        present = self._objects.get(name)
        if present is not None and present is not obj and present != obj:
            raise ConfigError(
                f"two {self.kind}s are named {name!r}: {self._sources.get(name) or present!r} and "
                f"{source or obj!r}; rename one of them"
            )
        if name in self._lazy and source != self._lazy[name] and present is None:
            # a lazy entry is being replaced by something else under the same name
            raise ConfigError(
                f"two {self.kind}s are named {name!r}: {self._lazy[name]} and {source or obj!r}"
            )
        self._objects[name] = obj
        self._sources.setdefault(name, source or repr(obj))
        return obj

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator form of :meth:`add`."""

        def wrap(obj: T) -> T:
            self.add(name, obj, source=getattr(obj, "__qualname__", repr(obj)))
            return obj

        return wrap

    def lazy(self, name: str, target: str) -> None:
        """Register ``"module:attr"`` under ``name``, imported on first :meth:`get`."""
        known = self._lazy.get(name)
        if known is not None and known != target:
            raise ConfigError(f"two {self.kind}s are named {name!r}: {known} and {target}")
        if name in self._objects and self._sources.get(name) != target:
            raise ConfigError(
                f"two {self.kind}s are named {name!r}: {self._sources[name]} and {target}"
            )
        self._lazy[name] = target

    def remove(self, name: str) -> None:
        """Forget ``name`` (a plugin unloaded, a test cleaning up); unknown names are ignored."""
        self._objects.pop(name, None)
        self._sources.pop(name, None)
        self._lazy.pop(name, None)
        self._unavailable.pop(name, None)

    def provider(self, module: str, attr: str) -> None:
        """A module whose ``attr`` lists objects of this kind (imported when first needed)."""
        if (module, attr) not in self._providers:
            self._providers.append((module, attr))

    def discover(self, package: str, attr: str) -> None:
        """Every module of ``package`` (not starting with ``_``) becomes a provider of ``attr``.

        The package is listed when a name is first missed or everything is listed, not now, so a
        module may declare its registry before the package it discovers can be imported.
        """
        if (package, attr) not in self._packages:
            self._packages.append((package, attr))

    # -- reading --------------------------------------------------------------------------------
    def get(self, name: str) -> T:
        """The object named ``name``; ConfigError listing the known names when there is none."""
        obj = self.find(name)
        if obj is None:
            why = self._unavailable.get(name)
            if why:
                raise ConfigError(f"{self.kind} {name!r} is not available: {why}")
            known = ", ".join(self.names()) or "none"
            raise ConfigError(f"unknown {self.kind} {name!r}; known {self.kind}s: {known}")
        return obj

    def find(self, name: str) -> T | None:
        """The object named ``name``, or None."""
        if name in self._objects:
            return self._objects[name]
        target = self._lazy.get(name) or self._entry_point_map().get(name)
        if target is not None:
            return self._load_target(name, target)
        self._load_providers()
        return self._objects.get(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.find(name) is not None

    def names(self) -> list[str]:
        """Every known name (providers loaded, lazy entries and entry points not imported)."""
        self._load_providers()
        names = [*self._objects, *self._lazy, *self._entry_point_map()]
        return list(dict.fromkeys(names))

    def items(self) -> list[tuple[str, T]]:
        """Every (name, object), importing what is lazy; unimportable ones are left out (see
        :meth:`unavailable`)."""
        out = []
        for name in self.names():
            obj = self.find(name)
            if obj is not None:
                out.append((name, obj))
        return out

    def values(self) -> list[T]:
        return [obj for _, obj in self.items()]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def source_of(self, name: str) -> str | None:
        """Where ``name`` comes from (its ``module:attr`` target or registration source), without
        importing it; None for an unknown name."""
        self._load_providers()
        return self._lazy.get(name) or self._sources.get(name) or self._entry_point_map().get(name)

    def unavailable(self) -> dict[str, str]:
        """Names whose module could not be imported, with the reason."""
        return dict(self._unavailable)

    # -- internals ------------------------------------------------------------------------------
    def _validate(self, name: str, obj: Any, source: str) -> None:
        if not name or not isinstance(name, str):
            raise ConfigError(f"a {self.kind} needs a non-empty name, got {name!r} ({source})")
        if self._check is not None:
            try:
                self._check(obj)
            except (TypeError, ValueError) as err:
                raise ConfigError(f"{self.kind} {name!r} ({source or obj!r}): {err}") from err

    def _load_target(self, name: str, target: str) -> T | None:
        try:
            obj = import_target(target)
        except (ImportError, AttributeError) as err:
            self._unavailable[name] = f"cannot import {target}: {err}"
            return None
        self._lazy.pop(name, None)
        self.add(name, obj, source=target)
        return obj

    def _load_providers(self) -> None:
        while self._packages:
            package, attr = self._packages.pop(0)
            pkg = importlib.import_module(package)
            for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
                if not info.name.startswith("_"):
                    self.provider(f"{package}.{info.name}", attr)
        for module, attr in list(self._providers):
            if (module, attr) in self._loaded_providers:
                continue
            self._loaded_providers.add((module, attr))
            try:
                listed = getattr(importlib.import_module(module), attr, None)
            except ImportError as err:
                self._unavailable[module] = f"cannot import {module}: {err}"
                continue
            if callable(listed) and not isinstance(listed, type):
                listed = listed()  # a function that lists them (e.g. metrics declared by scorers)
            if listed is None:
                continue
            many = isinstance(listed, (tuple, list))
            for obj in listed if many else (listed,):
                self.add(self._name_of(obj), obj, source=f"{module}:{attr}")

    def _entry_point_map(self) -> dict[str, str]:
        if self.entry_point_group is None:
            return {}
        if self._entry_points is None:
            from importlib.metadata import entry_points

            self._entry_points = {
                ep.name: ep.value for ep in entry_points(group=self.entry_point_group)
            }
        return {n: t for n, t in self._entry_points.items() if n not in self._objects}
