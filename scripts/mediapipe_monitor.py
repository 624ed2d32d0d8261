"""The MediaPipe-Python peer of `plumbline monitor` for scripts/bench-monitor: plays a video in
real time and runs MediaPipe's pose solution (mediapipe==0.10.14, `mp.solutions.pose`, video
mode = tracking, the given model complexity) on RATE frames per second of it, as a posture
monitor written with MediaPipe would.

The peer is given every advantage a careful author would take, so the ratio is not flattered:
- frames that are not analysed are only `grab()`bed (decoded, never converted to BGR/RGB);
- an analysed frame is `retrieve()`d and converted once;
- between frames the loop sleeps until the next frame is due on the video's clock, like a
  camera delivering 30 frames per second.
It prints nothing per frame; at the end one JSON line with the frames read, the frames
analysed and the frames in which a person was found, so the bench can check the peer worked.

Run inside <repo>/.venv-mediapipe (see scripts/mediapipe_setup.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("video")
    ap.add_argument("--rate", type=float, default=2.0, help="analysed frames per second")
    ap.add_argument("--complexity", type=int, choices=(0, 1, 2), default=1,
                    help="0 lite, 1 full, 2 heavy")
    args = ap.parse_args()
    if not 0.1 <= args.rate <= 30.0:
        sys.exit(f"mediapipe_monitor: --rate {args.rate} is outside 0.1-30")

    import cv2  # pylint: disable=import-outside-toplevel
    import mediapipe as mp  # pylint: disable=import-outside-toplevel

    cap = cv2.VideoCapture(args.video)
    if not cap.isOpened():
        sys.exit(f"mediapipe_monitor: cannot open video {args.video}")
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    period = 1.0 / args.rate
    read = analysed = found = 0
    next_due = 0.0
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=args.complexity,
                                smooth_landmarks=True, enable_segmentation=False) as pose:
        start = time.perf_counter()
        while True:
            # Real time: frame `read` is due at read / fps seconds after the start.
            wait = start + read / fps - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            if not cap.grab():
                break
            t = read / fps
            read += 1
            if t + 1e-9 < next_due:
                continue
            next_due += period
            ok, bgr = cap.retrieve()
            if not ok:
                break
            result = pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            analysed += 1
            found += result.pose_landmarks is not None
    cap.release()
    print(json.dumps({"frames": read, "analysed": analysed, "found": found}))


if __name__ == "__main__":
    main()
