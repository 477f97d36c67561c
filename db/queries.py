"""The dashboard's queries used to live here; they are now split by concern. This module only re-exports
them so that code written against the old name keeps working: import from the modules instead.

- ``db.filters`` — ``ItemFilter`` and the SQL helpers the queries share
- ``db.signals`` — ``AlertRule``, ``Signal``, ``region_signals``
- ``db.aggregates`` — daily series, coverage, the country table, counts, review shares
- ``db.choices`` — options for the filter controls
- ``db.rows`` — ``ItemRow`` and ``ItemDetail``
- ``db.listing`` — the review grid's pages and item lists, with neutral column filters and sort keys
"""

from db.aggregates import (
    CountryRow,
    Coverage,
    ReviewShare,
    country_table,
    indicator_counts,
    region_coverage,
    review_shares,
)
from db.choices import feed_choices, known_countries, known_organisations
from db.filters import ItemFilter
from db.listing import ColumnFilter, Page, SortKey, item_page, list_items
from db.organisations import organisation_counts, organisation_matrix
from db.rows import ItemDetail, ItemRow, item_detail
from db.series import daily_series
from db.signals import AlertRule, Signal, make_signal, region_signals

__all__ = [
    "AlertRule",
    "ColumnFilter",
    "CountryRow",
    "Coverage",
    "ItemDetail",
    "ItemFilter",
    "ItemRow",
    "Page",
    "ReviewShare",
    "Signal",
    "SortKey",
    "country_table",
    "daily_series",
    "feed_choices",
    "indicator_counts",
    "item_detail",
    "item_page",
    "known_countries",
    "known_organisations",
    "list_items",
    "make_signal",
    "organisation_counts",
    "organisation_matrix",
    "region_coverage",
    "region_signals",
    "review_shares",
]
