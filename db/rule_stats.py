"""What the analysts' reviews say about each tagging rule.

Every stored tag carries its evidence, and every piece of evidence names the rule that matched
(``term:en:arrest warrant``); every review decision is kept (``reviews``, ``review_history``). A rule's
record is the reviewed items it fired on: confirmed and escalated ones count for it, dismissed ones
against it. Reviews are per item, so an item dismissed as a whole counts against every rule that
tagged it. An item counts once per rule, however often the rule matched in it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from db.engine import Database
from db.models import ItemTag, Review

DECIDED = ("confirmed", "escalated", "dismissed")
NO_RULE = "(no rule recorded)"  # a tag stored without evidence naming its rule


@dataclass(frozen=True, slots=True)
class RuleThresholds:
    """A rule is marked when at least ``min_reviews`` of its items were reviewed and its precision
    over them is below ``low_precision``."""

    min_reviews: int = 10
    low_precision: float = 0.5


@dataclass(frozen=True, slots=True)
class RuleRecord:
    indicator: str
    rule: str
    confirmed: int
    escalated: int
    dismissed: int
    low: bool  # marked: low precision over enough reviews

    @property
    def reviewed(self) -> int:
        return self.confirmed + self.escalated + self.dismissed

    @property
    def precision(self) -> float | None:
        return (self.confirmed + self.escalated) / self.reviewed if self.reviewed else None


def rule_records(
    database: Database, thresholds: RuleThresholds, *, indicator: str | None = None
) -> list[RuleRecord]:
    """Every rule that fired on a reviewed item, lowest precision first among the marked ones, then
    by indicator and number of reviews."""
    stmt = (
        select(ItemTag.item_id, ItemTag.indicator, ItemTag.evidence, Review.status)
        .join(Review, Review.item_id == ItemTag.item_id)
        .where(Review.status.in_(DECIDED))
    )
    if indicator:
        stmt = stmt.where(ItemTag.indicator == indicator)
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(DECIDED, 0))
    with database.read() as session:
        for _item_id, ind, evidence, status in session.execute(stmt):
            rules = {
                str(e["rule"])
                for e in (evidence or [])
                if isinstance(e, dict) and e.get("rule") and e.get("id", ind) == ind
            } or {NO_RULE}
            for rule in rules:
                counts[(str(ind), rule)][str(status)] += 1
    records = []
    for (ind, rule), c in counts.items():
        reviewed = sum(c.values())
        positive = c["confirmed"] + c["escalated"]
        low = reviewed >= thresholds.min_reviews and positive / reviewed < thresholds.low_precision
        records.append(RuleRecord(ind, rule, c["confirmed"], c["escalated"], c["dismissed"], low))
    records.sort(key=lambda r: (not r.low, r.precision if r.low else 0.0, r.indicator, -r.reviewed, r.rule))
    return records
