"""Fast unit tests of the ingestion steps: no server, no database."""

from __future__ import annotations

import gzip
import random
import zlib
from datetime import UTC, datetime, timedelta

import pytest

from indicators.language import guess_language
from ingest.fetch import FetchError, _decoded, _max_age, _retry_after
from ingest.netguard import AddressPolicy, is_public
from ingest.normalise import (
    canonical_link,
    normalise_feed,
    plain_text,
    published_at,
    title_key,
)
from ingest.parse import RawEntry, parse_feed
from ingest.schedule import SchedulePolicy, next_due

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (
            "HTTPS://News.Example.COM:443/a/B?utm_source=x&id=3&fbclid=y#frag",
            "https://news.example.com/a/B?id=3",
        ),
        ("/story/9?utm_campaign=z", "https://base.example.org/story/9"),
        ("http://example.org:8080", "http://example.org:8080/"),
        ("javascript:alert(1)", None),
        ("mailto:a@example.org", None),
        ("", None),
        (None, None),
    ],
)
def test_canonical_link(link: str | None, expected: str | None) -> None:
    assert canonical_link(link, "https://base.example.org/feed.xml") == expected


def test_plain_text_strips_html_and_scripts() -> None:
    html = "<p>Hello&nbsp;<b>world</b> &amp; co</p><script>alert(1)</script><!-- c -->\n\n  end"
    assert plain_text(html, is_html=True, limit=1000) == "Hello world & co end"
    assert plain_text("a <b> not a tag", is_html=False, limit=1000) == "a <b> not a tag"
    long = plain_text("word " * 500, is_html=False, limit=100)
    assert len(long) <= 100 and long.endswith("…")


def test_title_key_ignores_case_and_punctuation() -> None:
    assert title_key("  Ceasefire: TALKS resume!  ") == title_key("ceasefire talks — resume")
    assert title_key("Élection") == "élection"


def test_guess_language_restricted_and_unsure() -> None:
    assert guess_language("Le Conseil de sécurité a prolongé le mandat de la mission au Mali") == "fr"
    assert guess_language("The Security Council extended the mandate of the mission in Mali") == "en"
    assert guess_language("مجلس الأمن يمدد ولاية البعثة في مالي لمدة عام") == "ar"
    assert guess_language("安全理事会延长了特派团的任务期限") is None
    assert guess_language("ok") is None


def raw(published: datetime | None = None, updated: datetime | None = None, **kw: object) -> RawEntry:
    values: dict[str, object] = dict(
        guid=None,
        link=None,
        title="t",
        title_html=False,
        summary="",
        summary_html=False,
        published=published,
        updated=updated,
        language=None,
    )
    values.update(kw)
    return RawEntry(**values)  # type: ignore[arg-type]


def test_published_fallbacks_and_clamp() -> None:
    fetched = NOW - timedelta(minutes=1)
    assert published_at(raw(NOW - timedelta(hours=1)), fetched, NOW) == NOW - timedelta(hours=1)
    assert published_at(raw(None, NOW - timedelta(hours=3)), fetched, NOW) == NOW - timedelta(hours=3)
    assert published_at(raw(None, None), fetched, NOW) == fetched
    assert published_at(raw(datetime(1970, 1, 1, tzinfo=UTC)), fetched, NOW) == fetched
    assert published_at(raw(NOW + timedelta(days=400)), fetched, NOW) == NOW


def test_normalise_marks_placeholder_links_and_repeated_guids() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>
      <item><title>One</title><link>https://e.org/</link></item>
      <item><title>Two</title><link>https://e.org/</link></item>
      <item><title>Three</title><guid>g</guid><link>https://e.org/3</link></item>
      <item><title>Three again</title><guid>g</guid><link>https://e.org/3b</link></item>
      </channel></rss>"""
    parsed = parse_feed(body, {"content-type": "application/rss+xml"}, "https://e.org/feed")
    result = normalise_feed(
        parsed, feed_url="https://e.org/feed", feed_language="en", fetched_at=NOW, now=NOW
    )
    assert [e.title for e in result.entries] == ["One", "Two", "Three"]
    assert result.entries[0].link_key is None and result.entries[0].link == "https://e.org/"
    assert result.entries[0].guid != result.entries[1].guid
    assert result.entries[2].link_key == "https://e.org/3"
    assert result.repeated == 1
    assert all(e.language == "en" for e in result.entries)


def test_parse_not_a_feed_and_atom() -> None:
    html = parse_feed(b"<html><body><p>hi</p></body></html>", {"content-type": "text/html"}, "https://e.org/")
    assert html.error_kind == "not_a_feed"
    atom = parse_feed(
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">'
        b"<title>f</title><entry><id>urn:1</id><title type='html'>&lt;b&gt;Bonjour&lt;/b&gt;</title>"
        b"<updated>2024-01-02T03:04:05Z</updated><link href='/a/1'/></entry></feed>",
        {},
        "https://e.org/atom.xml",
    )
    assert atom.error_kind is None and atom.version == "atom10"
    (entry,) = atom.entries
    assert entry.guid == "urn:1" and entry.title_html and entry.language == "fr"
    assert entry.updated == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_address_policy() -> None:
    assert is_public("93.184.216.34")
    for ip in (
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "fd00::1",
    ):
        assert not is_public(ip), ip
    policy = AddressPolicy.from_setting(["127.0.0.1:8080", "[::1]:9000"])
    assert not policy.allows("x", "::127.0.0.1", 8080)  # wrapped forms are not the allowed address
    assert policy.allows("localhost", "127.0.0.1", 8080)
    assert not policy.allows("localhost", "127.0.0.1", 8081)
    assert policy.allows("::1", "::1", 9000)
    assert AddressPolicy.from_setting(True).allows("x", "10.0.0.1", 1)
    assert not AddressPolicy.from_setting(False).allows("x", "10.0.0.1", 1)


@pytest.mark.parametrize(
    "ip",
    [
        "::127.0.0.1",
        "::7f00:1",
        "::10.0.0.1",
        "::169.254.169.254",
        "::192.168.1.1",  # IPv4-compatible
        "64:ff9b::127.0.0.1",
        "64:ff9b::a00:1",
        "64:ff9b::169.254.169.254",
        "64:ff9b::100.64.0.1",  # NAT64
        "64:ff9b:1::a00:1",
        "::ffff:0:127.0.0.1",
        "2002:7f00:1::1",
        "::1:2:3:4",
    ],
)
def test_wrapped_internal_ipv4_is_refused(ip: str) -> None:
    assert not is_public(ip), ip


def test_wrapped_public_ipv4_is_judged_by_its_ipv4() -> None:
    assert is_public("::93.184.216.34") and is_public("64:ff9b::93.184.216.34")
    assert not is_public("::") and not is_public("64:ff9b::224.0.0.1")


def test_cache_headers() -> None:
    assert _max_age("public, max-age=600") == 600
    assert _max_age("no-store, max-age=600") is None
    assert _max_age(None) is None
    assert _retry_after("120") == 120
    assert _retry_after("Wed, 01 May 2024 12:10:00 GMT", now=NOW.timestamp()) == 600
    assert _retry_after("soon") is None


def test_backoff_is_exponential_with_jitter_and_capped() -> None:
    policy = SchedulePolicy(max_backoff_hours=24)
    rng = random.Random(1)
    delays = [
        next_due(NOW, policy, interval_minutes=15, failed=True, failures_before=n, rng=rng) - NOW
        for n in range(12)
    ]
    assert delays[0] <= timedelta(minutes=15) and delays[3] > timedelta(minutes=60)
    assert all(d <= timedelta(hours=24) for d in delays)
    assert delays[-1] >= timedelta(hours=18)
    ok = next_due(NOW, policy, interval_minutes=15, failed=False, max_age=7200, rng=rng) - NOW
    assert timedelta(hours=2) <= ok <= timedelta(hours=2.2)
    retry = next_due(NOW, policy, interval_minutes=15, failed=True, retry_after=3 * 3600, rng=rng) - NOW
    assert retry >= timedelta(hours=3)


def test_decoding_variants() -> None:
    data = b"<rss>" + b"x" * 100_000 + b"</rss>"
    assert b"".join(_decoded(iter([gzip.compress(data)]), "gzip")) == data
    assert b"".join(_decoded(iter([zlib.compress(data)]), "deflate")) == data
    raw_deflate = zlib.compressobj(wbits=-15)
    stream = raw_deflate.compress(data) + raw_deflate.flush()
    assert b"".join(_decoded(iter([stream[:10], stream[10:]]), "deflate")) == data
    assert b"".join(_decoded(iter([data]), "gzip")) == data  # mislabelled, passed through
    chunks = list(_decoded(iter([gzip.compress(b" " * 5_000_000)]), "gzip"))
    assert max(len(c) for c in chunks) <= 256 * 1024
    with pytest.raises(FetchError):
        list(_decoded(iter([b"x"]), "br"))
