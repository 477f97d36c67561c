"""Ingestion: fetch, parse, normalise, deduplicate and schedule feeds; OPML import and export."""
