"""Runs MediaPipe's Python pose solution (mediapipe==0.10.14) and prints one JSON line per frame
in the same format as `plumbline pose --json`, so the two can be compared line by line:

    {"frame":i,"t_ms":t,"width":W,"height":H,"score":null,"file":name,
     "landmarks":[[x_px,y_px,z_px,visibility,presence]x33]|null,"world":[[x_m,y_m,z_m]x33]|null}

z_px is MediaPipe's normalised z times the image width (same scale as x). The Python solution
does not expose the detector score, so "score" is null.

By default the option `_pb2` modules that mp.solutions.pose forgets to import are imported
*before* the graph is built, so MediaPipe runs its graph as written (heatmap refinement kernel 7,
segmentation smoothing 0.7; models/README.md §7). `--solution-defaults` skips that
import and reproduces plain mp.solutions.pose (kernel 9). The import has to happen before the
first graph is built in the process, which is why this is a separate script per run.

Inputs are image files, folders of images (name order) or video files (decoded with OpenCV).
Images are read with cv2.IMREAD_IGNORE_ORIENTATION, i.e. the stored pixels, as plumbline's
`image` decoder reads them.

Run inside <repo>/.venv-mediapipe (see scripts/mediapipe_setup.py).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}


def import_graph_options() -> None:
    """Registers the calculator option extensions that mediapipe/python/solutions/pose.py does
    not import. Without them the text round trip in calculator_graph.cc drops
    `kernel_size: 7`, `combine_with_previous_ratio: 0.7` and the visibility-copy flags."""
    # pylint: disable=import-outside-toplevel,unused-import
    from mediapipe.calculators.image import segmentation_smoothing_calculator_pb2  # noqa: F401
    from mediapipe.calculators.util import refine_landmarks_from_heatmap_calculator_pb2  # noqa: F401
    from mediapipe.calculators.util import visibility_copy_calculator_pb2  # noqa: F401


def frames(inputs: list[str], limit: int | None):
    """Yields (name, rgb image) for every input frame."""
    import cv2  # pylint: disable=import-outside-toplevel

    count = 0
    for item in inputs:
        path = pathlib.Path(item)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            files = [path]
        else:
            files = None
        if files is not None:
            for f in files:
                if limit is not None and count >= limit:
                    return
                bgr = cv2.imread(str(f), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
                if bgr is None:
                    sys.exit(f"mediapipe_run: cannot read image {f}")
                count += 1
                yield f.name, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            continue
        cap = cv2.VideoCapture(str(path))
        if not cap.isOpened():
            sys.exit(f"mediapipe_run: cannot open video {path}")
        index = 0
        while limit is None or count < limit:
            ok, bgr = cap.read()
            if not ok:
                break
            count += 1
            yield f"{path.name}#{index}", cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            index += 1
        cap.release()


def to_line(index: int, name: str, t_ms: float, rgb, result) -> dict:
    h, w = rgb.shape[:2]
    line = {"frame": index, "t_ms": t_ms, "width": w, "height": h, "score": None, "file": name,
            "landmarks": None, "world": None}
    if result.pose_landmarks:
        line["landmarks"] = [[l.x * w, l.y * h, l.z * w, l.visibility, l.presence]
                             for l in result.pose_landmarks.landmark]
    if result.pose_world_landmarks:
        line["world"] = [[l.x, l.y, l.z] for l in result.pose_world_landmarks.landmark]
    return line


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+", help="images, folders of images or videos")
    ap.add_argument("--complexity", type=int, choices=(0, 1, 2), default=1,
                    help="0 lite, 1 full, 2 heavy")
    ap.add_argument("--mode", choices=("static", "video"), default="static")
    ap.add_argument("--solution-defaults", action="store_true",
                    help="do not import the option _pb2 modules (plain mp.solutions.pose)")
    ap.add_argument("--no-smoothing", action="store_true",
                    help="smooth_landmarks=False (the aux-landmark filter that makes the "
                         "tracking ROI stays on, as in MediaPipe)")
    ap.add_argument("--frames", type=int, default=None, help="stop after N frames")
    ap.add_argument("--out", default="-", help="JSON lines output (default stdout)")
    ap.add_argument("--bench", action="store_true",
                    help="no JSON lines; print one timing JSON object (decode + process) "
                         "to stdout")
    args = ap.parse_args()

    if not args.solution_defaults:
        import_graph_options()
    import mediapipe as mp  # pylint: disable=import-outside-toplevel

    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    process_s = []
    with mp.solutions.pose.Pose(static_image_mode=args.mode == "static",
                                model_complexity=args.complexity,
                                smooth_landmarks=not args.no_smoothing,
                                enable_segmentation=False) as pose:
        start = time.perf_counter()
        first_done = first_cpu = None
        for index, (name, rgb) in enumerate(frames(args.inputs, args.frames)):
            t0 = time.perf_counter()
            result = pose.process(rgb)
            process_s.append(time.perf_counter() - t0)
            if index == 0:
                first_done, first_cpu = time.perf_counter(), time.process_time()
            if not args.bench:
                out.write(json.dumps(to_line(index, name, index * 1000.0 / 30.0, rgb, result),
                                     separators=(",", ":")) + "\n")
        end, end_cpu = time.perf_counter(), time.process_time()
    if args.bench:
        n = len(process_s)
        steady = sorted(process_s[1:]) if n > 1 else process_s
        report = {
            "frames": n,
            # Frames 1..n-1, from the end of frame 0 to the end of the last frame: decode +
            # RGB conversion + Pose.process, steady state (graph start-up excluded).
            "loop_fps": (n - 1) / (end - first_done) if n > 1 else None,
            # The same frames per CPU-second of the whole process (all threads).
            "loop_cpu_fps": (n - 1) / (end_cpu - first_cpu) if n > 1 else None,
            "process_fps": n / sum(process_s),
            "process_median_ms": 1000.0 * steady[len(steady) // 2],
            "total_s": end - start,
        }
        print(json.dumps(report))
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
