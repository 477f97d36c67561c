"""What the caller decides about the tagger: extra taxonomy files and where the built tagger is
kept on disk. Built by the application from its settings; this package reads no settings itself."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import Tagger

__all__ = ["TaggerConfig"]


@dataclass(frozen=True, slots=True)
class TaggerConfig:
    #: taxonomy files merged, in order, over the built-in one
    taxonomy_files: tuple[Path, ...] = ()
    #: where the built tagger is kept between runs; None: built in memory, nothing written
    cache_dir: Path | None = None

    def load(self) -> Tagger:
        """A tagger for this configuration. Without extra files it is the process's shared one."""
        from .engine import default_tagger, load_tagger

        if self.taxonomy_files:
            return load_tagger(self.taxonomy_files, cache_dir=self.cache_dir)
        return default_tagger(self.cache_dir)
