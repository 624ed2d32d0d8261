"""Compares pose JSON lines (the `plumbline pose --json` format, also written by
scripts/mediapipe_run.py) frame by frame. Used by scripts/compare-mediapipe.

Subcommands:

  select MEDIA_DIR
      Prints the single-person still images of MEDIA_DIR, one path a line: side_* and front_*
      .jpg/.png files whose row in the folder's licence table (for the default media folder
      ../shared/media/SOURCES.md) says "1 person". neg_* files, videos and rows that mention
      other people ("1 main person", "several other people") are left out; the reasons go to
      stderr.

  diff REF TEST --label LABEL [--quiet] [--first N]
      REF is the reference (MediaPipe), TEST the candidate; lines are paired by their "frame"
      index. Per frame: median and max 2-D landmark distance over the 33 landmarks in pixels,
      and the median as % of the person's size (diagonal of REF's landmark bounding box), the
      median world-landmark distance in metres, and whether exactly one side found no person.
      The last line is `SUMMARY {json}`.

  table SUMMARIES
      Turns the SUMMARY objects collected in a file into a Markdown table.

  perfile LABEL=REF,TEST ...
      One Markdown row per frame/file with the median distance (px and % of size) of each
      REF/TEST pair as columns; the last row holds the median over files of each column.

Percent figures are medians over frames of the per-frame median, so one bad frame does not
hide the typical agreement; the per-frame maximum is printed alongside.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import sys

import numpy as np

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}


def select(media: pathlib.Path) -> None:
    sources = (media / "SOURCES.md").read_text(encoding="utf-8")
    rows = {}
    for line in sources.splitlines():
        m = re.match(r"\|\s*`([^`]+)`\s*\|", line)
        if m:
            rows[m.group(1)] = line
    for path in sorted(media.iterdir()):
        name = path.name
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        if not name.startswith(("side_", "front_")):
            print(f"select: skip {name} (not a side_/front_ picture)", file=sys.stderr)
            continue
        row = rows.get(name)
        if row is None:
            print(f"select: skip {name} (no row in ../shared/media/SOURCES.md)", file=sys.stderr)
            continue
        described = row.rsplit("|", 2)[-2]
        if not re.search(r"\b1 person\b", described):
            why = re.search(r"[^.]*\b(people|person)\b[^.]*", described)
            print(f"select: skip {name} (../shared/media/SOURCES.md: {why.group(0).strip() if why else '?'})",
                  file=sys.stderr)
            continue
        print(path)


def load(path: str) -> dict[int, dict]:
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                obj = json.loads(line)
                out[int(obj["frame"])] = obj
    return out


def diff(ref_path: str, test_path: str, label: str, quiet: bool, first: int | None) -> None:
    ref, test = load(ref_path), load(test_path)
    frames = sorted(set(ref) | set(test))
    if first is not None:
        frames = frames[:first]
    pct, px, worst, world, both_none, only = [], [], [], [], 0, []
    for i in frames:
        r, t = ref.get(i), test.get(i)
        name = (r or t or {}).get("file") or f"frame {i}"
        rl = None if r is None or r["landmarks"] is None else np.asarray(r["landmarks"], float)
        tl = None if t is None or t["landmarks"] is None else np.asarray(t["landmarks"], float)
        if rl is None and tl is None:
            both_none += 1
            if not quiet:
                print(f"{label:<22} {name:<36} no person on either side")
            continue
        if rl is None or tl is None:
            only.append(name)
            if not quiet:
                side = "MediaPipe" if rl is not None else "the candidate"
                print(f"{label:<22} {name:<36} person found only by {side}")
            continue
        d = np.hypot(*(tl[:, :2] - rl[:, :2]).T)
        size = float(np.hypot(*(rl[:, :2].max(0) - rl[:, :2].min(0))))
        med = float(np.median(d))
        px.append(med)
        pct.append(100.0 * med / size)
        worst.append(float(d.max()))
        w_txt = ""
        if r.get("world") and t.get("world"):
            wd = float(np.median(np.linalg.norm(
                np.asarray(t["world"], float) - np.asarray(r["world"], float), axis=1)))
            world.append(wd)
            w_txt = f"  world {wd * 1000:6.1f} mm"
        if not quiet:
            print(f"{label:<22} {name:<36} median {med:7.2f} px = {pct[-1]:6.3f} % of "
                  f"{size:5.0f} px   max {d.max():7.1f} px{w_txt}")
    summary = {
        "label": label,
        "frames": len(frames),
        "compared": len(pct),
        "both_none": both_none,
        "one_side_only": only,
        "median_pct": float(np.median(pct)) if pct else None,
        "p90_pct": float(np.percentile(pct, 90)) if pct else None,
        "max_pct": float(np.max(pct)) if pct else None,
        "median_px": float(np.median(px)) if px else None,
        "max_px": float(np.max(worst)) if worst else None,
        "world_median_mm": 1000.0 * float(np.median(world)) if world else None,
    }
    print("SUMMARY " + json.dumps(summary))


def fmt(v, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def table(path: str) -> None:
    print("| comparison | frames compared | median % of size | p90 % | max % "
          "| median px | max px (any landmark) | world median mm | person on one side only |")
    print("|---|---|---|---|---|---|---|---|---|")
    with open(path, encoding="utf-8") as f:
        for line in f:
            s = json.loads(line)
            print(f"| {s['label']} | {s['compared']}/{s['frames']} | {fmt(s['median_pct'], '.3f')} "
                  f"| {fmt(s['p90_pct'], '.2f')} | {fmt(s['max_pct'], '.2f')} "
                  f"| {fmt(s['median_px'], '.2f')} | {fmt(s['max_px'], '.1f')} "
                  f"| {fmt(s['world_median_mm'], '.1f')} | {len(s['one_side_only'])} |")


def frame_medians(ref_path: str, test_path: str) -> dict[int, tuple[float, float] | None]:
    ref, test = load(ref_path), load(test_path)
    out = {}
    for i in sorted(set(ref) | set(test)):
        r, t = ref.get(i), test.get(i)
        if not r or not t or r["landmarks"] is None or t["landmarks"] is None:
            out[i] = None
            continue
        rl, tl = np.asarray(r["landmarks"], float)[:, :2], np.asarray(t["landmarks"], float)[:, :2]
        med = float(np.median(np.hypot(*(tl - rl).T)))
        out[i] = (med, 100.0 * med / float(np.hypot(*(rl.max(0) - rl.min(0)))))
    return out


def perfile(pairs: list[str]) -> None:
    labels, columns, names = [], [], {}
    for pair in pairs:
        label, paths = pair.split("=", 1)
        ref_path, test_path = paths.split(",")
        labels.append(label)
        columns.append(frame_medians(ref_path, test_path))
        for i, obj in load(ref_path).items():
            names.setdefault(i, obj.get("file") or f"frame {i}")
    print("| file | " + " | ".join(f"{l} px | {l} %" for l in labels) + " |")
    print("|---|" + "---|---|" * len(labels))
    for i in sorted(names):
        cells = []
        for col in columns:
            v = col.get(i)
            cells += ["-", "-"] if v is None else [f"{v[0]:.2f}", f"{v[1]:.3f}"]
        print(f"| {names[i]} | " + " | ".join(cells) + " |")
    cells = []
    for col in columns:
        vals = [v for v in col.values() if v is not None]
        cells += [f"**{np.median([v[0] for v in vals]):.2f}**",
                  f"**{np.median([v[1] for v in vals]):.3f}**"]
    print("| **median over files** | " + " | ".join(cells) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("select")
    s.add_argument("media")
    d = sub.add_parser("diff")
    d.add_argument("ref")
    d.add_argument("test")
    d.add_argument("--label", required=True)
    d.add_argument("--quiet", action="store_true", help="print only the SUMMARY line")
    d.add_argument("--first", type=int, default=None, help="compare only the first N frames")
    t = sub.add_parser("table")
    t.add_argument("summaries")
    pf = sub.add_parser("perfile")
    pf.add_argument("pairs", nargs="+", metavar="LABEL=REF,TEST")
    args = ap.parse_args()
    if args.cmd == "select":
        select(pathlib.Path(args.media))
    elif args.cmd == "diff":
        diff(args.ref, args.test, args.label, args.quiet, args.first)
    elif args.cmd == "perfile":
        perfile(args.pairs)
    else:
        table(args.summaries)


if __name__ == "__main__":
    main()
