"""Settings: defaults, then a TOML file, then environment variables, then command-line flags.

Every setting ``section.key`` has the environment name ``R2PWATCH_SECTION_KEY``. The settings
themselves (kind, default, help) are the table in ``r2pwatch/setting_specs.py``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from r2pwatch.errors import UserError
from r2pwatch.setting_specs import SPEC_BY_NAME, SPECS, Spec

__all__ = [
    "APP_NAME",
    "SPECS",
    "SPEC_BY_NAME",
    "Settings",
    "Spec",
    "config_dir",
    "data_dir",
    "default_database_url",
    "find_config_file",
    "load_settings",
]

APP_NAME = "r2pwatch"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_database_url(demo: bool = False) -> str:
    name = "demo.sqlite" if demo else "r2pwatch.sqlite"
    return f"sqlite:///{data_dir() / name}"


@dataclass(frozen=True)
class Settings:
    values: Mapping[str, Any]
    sources: Mapping[str, str] = field(default_factory=dict)
    demo: bool = False

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @property
    def database_url(self) -> str:
        """The demo always uses its own database, whatever database.url says, so sample data
        never lands in an analyst's real database."""
        if self.demo:
            return default_database_url(demo=True)
        return str(self.values["database.url"]) or default_database_url()

    def replace(self, **overrides: Any) -> Settings:
        """A copy with ``section__key=value`` overrides (for tests and the demo)."""
        values = dict(self.values)
        sources = dict(self.sources)
        for key, value in overrides.items():
            name = key.replace("__", ".")
            if name not in SPEC_BY_NAME:
                raise KeyError(name)
            values[name] = value
            sources[name] = "override"
        return Settings(values, sources, self.demo)


def _line_of(text: str, key: str, section: str | None = None) -> int | None:
    """Line of ``key = ...`` (inside ``[section]`` when given); tomllib reports no positions itself."""
    start = 0
    if section is not None:
        header = re.search(rf"^[ \t]*\[[ \t]*{re.escape(section)}[ \t]*\]", text, re.M)
        start = header.end() if header else 0
    rx = re.compile(rf"^[ \t]*\"?{re.escape(key)}\"?[ \t]*=", re.M)
    m = rx.search(text, start)
    return text.count("\n", 0, m.start()) + 1 if m else None


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def _split(text: str) -> list[str]:
    """A comma-separated list from the environment or a flag."""
    return [p.strip() for p in text.split(",") if p.strip()]


def _from_text(spec: Spec, raw: str) -> Any:
    """The value an environment variable or a flag spells, before it is checked like a TOML value."""
    text = raw.strip()
    if spec.kind in ("bool", "allow_private"):
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        if spec.kind == "bool":
            raise ValueError(f"expected true or false, got {raw!r}")
        return _split(text)
    if spec.kind == "list":
        return _split(text)
    if spec.kind == "int":
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"expected an integer, got {raw!r}") from None
    if spec.kind == "float":
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"expected a number, got {raw!r}") from None
    return raw


def _is_count(value: Any, *, whole: bool) -> bool:
    """A non-negative number (an integer when ``whole``); booleans are not numbers here."""
    if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
        return False
    return bool(value >= 0)


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _is_host_port(value: str) -> bool:
    host, sep, port = value.rpartition(":")
    return bool(sep and host and port.isdigit())


_EXPECTED = {
    "str": "a string",
    "bool": "true or false",
    "int": "a non-negative integer",
    "float": "a non-negative number",
    "list": "a list of strings",
    "allow_private": "true, false or a list of host:port",
}


def _coerce(spec: Spec, value: Any, *, from_env: bool) -> Any:
    if from_env and isinstance(value, str):
        value = _from_text(spec, value)
    kind = spec.kind
    if kind == "str" and isinstance(value, str):
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "int" and _is_count(value, whole=True):
        return value
    if kind == "float" and _is_count(value, whole=False):
        return float(value)
    if kind == "list" and _is_strings(value):
        return list(value)
    if kind == "allow_private" and isinstance(value, bool):
        return value
    if kind == "allow_private" and _is_strings(value) and all(_is_host_port(v) for v in value):
        return list(value)
    raise ValueError(f"expected {_EXPECTED[kind]}, got {value!r}")


def find_config_file(explicit: str | os.PathLike[str] | None) -> Path | None:
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise UserError(f"config file not found: {path}")
        return path
    for candidate in (Path.cwd() / "r2pwatch.toml", config_dir() / "r2pwatch.toml"):
        if candidate.is_file():
            return candidate
    return None


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
    demo: bool = False,
    use_default_files: bool = True,
) -> Settings:
    """Build the effective settings. Raises UserError naming the key, file and line on bad input."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {s.name: s.default for s in SPECS}
    sources: dict[str, str] = {s.name: "default" for s in SPECS}

    path = find_config_file(config_file) if (config_file is not None or use_default_files) else None
    if path is not None:
        text = path.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise UserError(f"{path}: invalid TOML: {exc}") from None
        for section, table in data.items():
            if not isinstance(table, dict):
                line = _line_of(text, section)
                raise UserError(f"{path}:{line}: {section!r} is not a [section]; settings live in sections")
            for key, raw in table.items():
                name = f"{section}.{key}"
                line = _line_of(text, key, section)
                where = f"{path}:{line}" if line else str(path)
                spec = SPEC_BY_NAME.get(name)
                if spec is None:
                    raise UserError(f"{where}: unknown setting {name!r}")
                try:
                    values[name] = _coerce(spec, raw, from_env=False)
                except ValueError as exc:
                    raise UserError(f"{where}: bad value for {name}: {exc}") from None
                sources[name] = str(path)

    for spec in SPECS:
        if spec.env in env:
            try:
                values[spec.name] = _coerce(spec, env[spec.env], from_env=True)
            except ValueError as exc:
                raise UserError(f"environment {spec.env}: bad value for {spec.name}: {exc}") from None
            sources[spec.name] = f"env {spec.env}"
    unknown = sorted(k for k in env if k.startswith("R2PWATCH_") and k not in {s.env for s in SPECS})
    if unknown:
        raise UserError(f"unknown environment setting {unknown[0]}")

    for name, raw in (flags or {}).items():
        if raw is None:
            continue
        spec = SPEC_BY_NAME[name]
        try:
            values[name] = _coerce(spec, raw, from_env=isinstance(raw, str))
        except ValueError as exc:
            raise UserError(f"command line: bad value for {name}: {exc}") from None
        sources[name] = "command line"
    return Settings(values, sources, demo)
