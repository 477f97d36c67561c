"""The five monitoring regions, with the fixed slugs used in the CLI, JSON and URLs."""

REGIONS: dict[str, str] = {
    "africa": "Africa",
    "americas": "Americas",
    "asia-pacific": "Asia-Pacific",
    "europe-central-asia": "Europe & Central Asia",
    "middle-east-north-africa": "Middle East & North Africa",
}
REGION_SLUGS: tuple[str, ...] = tuple(REGIONS)
