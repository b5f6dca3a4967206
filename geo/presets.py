"""Threshold presets of the map's filter, read from the TOML file MAP_PRESETS names.

Presets are data: a city edits the file (its numbers, its standards), not the code. Each is
checked against the map's filters when read, so a typo fails loudly at the first page, not as
a filter that silently keeps everything."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache

from crm.services.errors import ValidationError
from geo.city import configured_path
from geo.filters import MapFilters, parse_map_filters


class PresetFileError(ValueError):
    pass


@dataclass(frozen=True)
class Preset:
    key: str
    name: str
    name_en: str
    about: str
    about_en: str
    filters: dict[str, str]  # query parameters of the map
    unchecked: dict[str, list[str]]  # criteria the records cannot check, by language ("zh", "en")


def current_presets() -> list[Preset]:
    path = configured_path("MAP_PRESETS")
    return list(_read(str(path), path.stat().st_mtime_ns))


@lru_cache(maxsize=4)
def _read(path: str, _version: int) -> tuple[Preset, ...]:
    with open(path, "rb") as file:
        data = tomllib.load(file)
    presets = []
    for entry in data.get("preset", []):
        key = entry.get("key", "?")
        filters = {name: str(value) for name, value in entry.get("filters", {}).items()}
        unknown = set(filters) - set(MapFilters.model_fields)
        if unknown:
            raise PresetFileError(f"{path}: preset {key}: unknown filters {sorted(unknown)}")
        try:
            parse_map_filters(filters)
        except ValidationError as error:
            raise PresetFileError(f"{path}: preset {key}: {error.fields}") from error
        presets.append(
            Preset(
                key=key,
                name=entry["name"],
                name_en=entry.get("name_en", entry["name"]),
                about=entry.get("about", ""),
                about_en=entry.get("about_en", entry.get("about", "")),
                filters=filters,
                unchecked=entry.get("unchecked", {}),
            )
        )
    return tuple(presets)
