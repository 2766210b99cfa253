"""Judge prompt templates: versioned text files whose sha256 goes into every judge result.

A template file has a ``[user]`` section and an optional ``[system]`` section before it (each
section's text is stripped of surrounding whitespace). Fields are ``$name`` placeholders
(:class:`string.Template` syntax, so braces and other punctuation in answers need no escaping; a
literal dollar sign is ``$$``). Built-in templates live next to this module in ``prompts/``; a
user may pass the path of their own file instead of a built-in name.

A ``.json`` template file holds ``{"system": str | null, "user": str}`` and is used verbatim,
whitespace included, for prompts that must match another program's text byte for byte.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from pathlib import Path

from unifybench.errors import ConfigError

PROMPTS_DIR = Path(__file__).parent / "prompts"

# Built-in templates and the fields each one needs.
BUILTIN_TEMPLATES: dict[str, tuple[str, ...]] = {
    "text": ("question", "gold", "prediction"),
    "text-legacy": ("system_prompt", "question", "gold", "prediction"),
    "vision": ("concept", "info", "extra_info", "prompt"),
    # the legacy vision fields: extra_info is the published join, ending in its own line break
    "vision-legacy": ("concept", "info", "extra_info", "prompt"),
    # DreamBench++ (0-4 scale, our wording of the published scoring rules): concept preservation
    # of a subject or of a style (reference image first, generated image second), and prompt
    # following (the prompt and the generated image)
    "dreambench-subject": (),
    "dreambench-style": (),
    "dreambench-text": ("prompt",),
}


@dataclass(frozen=True)
class PromptTemplate:
    """A parsed template: its name, its sections, and the sha256 of the file's bytes."""

    name: str
    system: str | None
    user: str
    sha256: str

    @property
    def hash12(self) -> str:
        """The first 12 hex digits of the sha256, as shown in judge identities."""
        return self.sha256[:12]

    def fields(self) -> set[str]:
        """The placeholder names the template uses."""
        names: set[str] = set()
        for text in (self.system or "", self.user):
            for match in string.Template.pattern.finditer(text):
                name = match.group("named") or match.group("braced")
                if name:
                    names.add(name)
        return names

    def render(self, values: dict[str, str]) -> tuple[str | None, str]:
        """(system text or None, user text) with every placeholder filled.

        Raises ConfigError naming the missing field when ``values`` lacks one the template uses.
        """
        missing = sorted(self.fields() - set(values))
        if missing:
            raise ConfigError(
                f"judge prompt template '{self.name}' needs field(s) {', '.join(missing)}; "
                f"got {', '.join(sorted(values)) or 'none'}"
            )
        system = string.Template(self.system).substitute(values) if self.system else None
        return system, string.Template(self.user).substitute(values)


def parse_json_template(name: str, raw: bytes, source: str = "") -> PromptTemplate:
    """Parse a verbatim ``.json`` template: ``{"system": str | null, "user": str}``."""
    import json

    where = source or name
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{where}: judge prompt template is not UTF-8 JSON ({exc})") from None
    if not isinstance(data, dict) or set(data) - {"system", "user"}:
        raise ConfigError(f'{where}: expected a JSON object with keys "system" and "user"')
    system, user = data.get("system"), data.get("user")
    if not isinstance(user, str) or not (system is None or isinstance(system, str)):
        raise ConfigError(f'{where}: "user" must be a string and "system" a string or null')
    return PromptTemplate(
        name=name, system=system, user=user, sha256=hashlib.sha256(raw).hexdigest()
    )


def parse_template(name: str, raw: bytes, source: str = "") -> PromptTemplate:
    """Parse the bytes of a template file (see the module docstring for the format)."""
    if source.endswith(".json"):
        return parse_json_template(name, raw, source)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{source or name}: judge prompt template is not UTF-8 ({exc})") from None
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped in ("[system]", "[user]"):
            current = stripped[1:-1]
            if current in sections:
                raise ConfigError(f"{source or name}: section {stripped} appears twice")
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
        elif stripped:
            raise ConfigError(
                f"{source or name}: text before the first section; expected '[system]' or '[user]'"
            )
    if "user" not in sections:
        raise ConfigError(f"{source or name}: judge prompt template has no '[user]' section")
    system = "\n".join(sections["system"]).strip() if "system" in sections else None
    user = "\n".join(sections["user"]).strip()
    return PromptTemplate(
        name=name, system=system or None, user=user, sha256=hashlib.sha256(raw).hexdigest()
    )


def load_template(name_or_path: str | Path) -> PromptTemplate:
    """A built-in template by name (:data:`BUILTIN_TEMPLATES`) or a template file (``.json``:
    verbatim; otherwise the section format)."""
    key = str(name_or_path)
    if key in BUILTIN_TEMPLATES:
        path = PROMPTS_DIR / f"{key}.txt"
        return parse_template(key, path.read_bytes(), str(path))
    path = Path(name_or_path)
    if not path.is_file():
        raise ConfigError(
            f"judge prompt template '{key}' is neither a built-in "
            f"({', '.join(BUILTIN_TEMPLATES)}) nor an existing file"
        )
    return parse_template(path.stem, path.read_bytes(), str(path))
