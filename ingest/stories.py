"""The bridge from signals.stories (fingerprints, the pairwise rule) to the values storage takes."""

from __future__ import annotations

from datetime import timedelta

from db.intents import EntryValues
from db.store import Clustering
from db.stories import StoryRule, StoryValues
from signals.stories import Fingerprint, fingerprint, same_story


def story_values(title: str, summary: str) -> StoryValues:
    fp = fingerprint(title, summary)
    return StoryValues(fp.signature, fp.bands, fp.numbers)


def entry_story_values(entry: EntryValues) -> StoryValues:
    return story_values(entry.title, entry.summary)


def make_clustering(*, threshold: float, window_hours: float) -> Clustering:
    """Items are one story when their estimated word overlap reaches ``threshold`` and they were
    published within ``window_hours`` of each other and of the story's first item."""

    def match(a: StoryValues, b: StoryValues) -> bool:
        return same_story(
            Fingerprint(a.signature, a.bands, a.numbers),
            Fingerprint(b.signature, b.bands, b.numbers),
            threshold=threshold,
        )

    return Clustering(StoryRule(timedelta(hours=window_hours), match), entry_story_values)
