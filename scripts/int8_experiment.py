#!/usr/bin/env python3
"""Would int8 landmark models make plumbline's frame cheaper without losing parity?

Run through scripts/int8-experiment (it makes the pinned venv). docs/PARITY.md §4.1 has the
result and the reasoning; this script reproduces every figure there.

Steps:
  1. Crops. The 256x256 crops the engine feeds the landmark model, made from the media set
     (../shared/media): stills through the detector's best anchor (models/README.md §3.1),
     clips tracked from the previous frame's aux landmarks 33/34 (§5; no smoothing), every
     3rd frame kept. OpenCV's warpAffine with a replicated border (§3.2).
  2. Quantisation. onnxruntime.quantization static QDQ: uint8 activations, int8 weights per
     channel, MinMax calibration (variants below), on the crops of ONE fold.
  3. Evaluation on the OTHER fold, split by person: fold A is the man of video_side_sit_01
     (the clip and his three stills) and the street clip; fold B the man of video_side_sit_02
     (clip and stills) and the frontal webcam clip. Stills of everybody else are in the
     evaluation set of both folds. Per crop where the float model finds a person: landmarks
     0-32 after heatmap refinement (§4), distance float vs int8 in crop px and as % of the
     person's size (diagonal of the float landmarks' bounding box, the unit of
     docs/PARITY.md §2), the ear-shoulder angle (left and right, the worse of the two), the
     world landmarks in mm and lost pose flags. The float model against itself with +-1 grey
     level of noise on the crop (about what two JPEG decoders differ by) is the floor.
  4. Speed: per-inference wall and CPU time of float and int8 in ONE process, alternating,
     with 1 and 2 intra-op threads, and ONNX Runtime's ORT_ENABLE_LAYOUT (what plumbline's
     `GraphOptimizationLevel::Level3` means in ort 2.0.0-rc.15) against ORT_ENABLE_ALL.

Everything is written below models/.work/int8/ (git-ignored). Usage:
  scripts/int8-experiment [--models "lite full"] [--rounds 6] [--speed-only | --diagnose]
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import resource
import sys
import time

import cv2
import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                      QuantType, quantize_static)
from onnxruntime.quantization.shape_inference import quant_pre_process

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from convert_models import detector_anchors  # noqa: E402 (the detector's 2254 anchor centres)

REPO = pathlib.Path(__file__).resolve().parent.parent
MODELS = REPO / "models"
WORK = MODELS / ".work" / "int8"
CROPS = WORK / "crops"

FOLDS = {
    "A": ["video_side_sit_01", "video_neg_street_multi_01", "side_sit_forward_05",
          "side_sit_upright_06", "side_sit_upright_07"],
    "B": ["video_side_sit_02", "video_front_webcam_01", "side_sit_slump_01",
          "side_sit_upright_08"],
}
CLIP_EVERY = 3
CALIBRATION_PER_SOURCE = 60
HEATMAP_KERNEL = 7


def media_dir() -> pathlib.Path:
    for d in (REPO.parent / "shared" / "media", pathlib.Path("/work/shared/media")):
        if d.is_dir():
            return d
    sys.exit("int8-experiment: the media set ../shared/media is missing")


def session(path, threads=1, level=ort.GraphOptimizationLevel.ORT_ENABLE_LAYOUT, spinning=True):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = level
    so.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


# ---------------------------------------------------------------- 1. crops

def roi_from(p0, p1):
    (x0, y0), (x1, y1) = p0, p1
    rot = math.pi / 2 - math.atan2(-(y1 - y0), x1 - x0)
    rot -= 2 * math.pi * math.floor((rot + math.pi) / (2 * math.pi))
    return x0, y0, 2 * math.hypot(x1 - x0, y1 - y0) * 1.25, rot


class Cropper:
    def __init__(self):
        self.det = session(MODELS / "pose_detection.onnx")
        self.lmk = session(MODELS / "pose_landmark_full.onnx")
        self.anchors = detector_anchors()

    def detect(self, rgb):
        h, w, _ = rgb.shape
        side = max(h, w)
        top, left = (side - h) // 2, (side - w) // 2
        square = np.zeros((side, side, 3), np.uint8)
        square[top:top + h, left:left + w] = rgb
        x = cv2.resize(square, (224, 224), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 127.5 - 1
        boxes, logits = self.det.run(None, {"input_1": x[None]})
        best = int(np.argmax(logits[0, :, 0]))
        if 1 / (1 + math.exp(-float(np.clip(logits[0, best, 0], -100, 100)))) < 0.5:
            return None
        ax, ay = self.anchors[best]
        pts = [((boxes[0, best, 4 + 2 * k] / 224 + ax) * side - left,
                (boxes[0, best, 5 + 2 * k] / 224 + ay) * side - top) for k in (0, 1)]
        return roi_from(*pts)

    @staticmethod
    def crop(rgb, roi):
        cx, cy, side, rot = roi
        s = side / 256
        a, b = math.cos(rot) * s, math.sin(rot) * s
        o = 0.5 - 128
        m = np.array([[a, -b, (a - b) * o + cx - 0.5], [b, a, (a + b) * o + cy - 0.5]])
        return cv2.warpAffine(rgb, m, (256, 256), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_REPLICATE)

    @staticmethod
    def to_frame(roi, x, y):
        cx, cy, side, rot = roi
        u, v = (x / 256 - 0.5) * side, (y / 256 - 0.5) * side
        return cx + math.cos(rot) * u - math.sin(rot) * v, cy + math.sin(rot) * u + math.cos(rot) * v

    def still(self, path):
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        roi = self.detect(rgb)
        if roi is None:
            print(f"crops: {path.name}: no person found, skipped", file=sys.stderr)
            return None
        return self.crop(rgb, roi)[None]

    def clip(self, path):
        cap = cv2.VideoCapture(str(path))
        roi, out, i = None, [], 0
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            roi = roi or self.detect(rgb)
            if roi is not None:
                c = self.crop(rgb, roi)
                if i % CLIP_EVERY == 0:
                    out.append(c)
                lm, flag, _, _ = self.lmk.run(None, {"input_1": (c.astype(np.float32) / 255)[None]})
                lm = lm.reshape(39, 5)
                roi = (roi_from(self.to_frame(roi, *lm[33, :2]), self.to_frame(roi, *lm[34, :2]))
                       if flag[0, 0] > 0.5 else None)
            i += 1
        return np.stack(out)


def make_crops():
    CROPS.mkdir(parents=True, exist_ok=True)
    if any(CROPS.glob("*.npz")):
        return
    cropper = Cropper()
    for p in sorted(media_dir().iterdir()):
        if p.suffix in (".jpg", ".png") and p.name.startswith(("side_", "front_")):
            crops = cropper.still(p)
        elif p.suffix == ".mp4":
            crops = cropper.clip(p)
        else:
            continue
        if crops is not None:
            np.savez_compressed(CROPS / f"{p.stem}.npz", crops=crops)
    print(f"crops: {sum(len(np.load(f)['crops']) for f in CROPS.glob('*.npz'))} in {CROPS}",
          file=sys.stderr)


def load(names):
    return {n: np.load(CROPS / f"{n}.npz")["crops"] for n in names}


def split(fold):
    names = sorted(p.stem for p in CROPS.glob("*.npz"))
    return FOLDS[fold], [n for n in names if n not in FOLDS[fold]]


# ---------------------------------------------------------------- 2. quantisation

class Reader(CalibrationDataReader):
    def __init__(self, crops):
        self.xs = []
        for c in crops.values():
            step = max(1, len(c) // CALIBRATION_PER_SOURCE)
            self.xs += list(c[::step][:CALIBRATION_PER_SOURCE])
        self.i = 0

    def get_next(self):
        if self.i >= len(self.xs):
            return None
        self.i += 1
        return {"input_1": (self.xs[self.i - 1].astype(np.float32) / 255)[None]}

    def rewind(self):
        self.i = 0


# variant -> (node index range of the pre-processed graph left in float, percentile or None)
VARIANTS = {
    "all": (None, None),
    "first third only": ((60, 10_000), None),
    "last two thirds only": ((0, 60), None),
    "percentile 99.9": (None, 99.9),
}


def quantize(model, fold, variant):
    pre = WORK / f"{model}_pre.onnx"
    if not pre.exists():
        quant_pre_process(str(MODELS / f"pose_landmark_{model}.onnx"), str(pre), skip_symbolic_shape=True)
    out = WORK / f"{model}_{fold}_{variant.replace(' ', '_')}.onnx"
    if out.exists():
        return out
    keep_float, percentile = VARIANTS[variant]
    nodes = onnx.load(str(pre)).graph.node
    exclude = [n.name for n in nodes[keep_float[0]:keep_float[1]]] if keep_float else []
    quantize_static(str(pre), str(out), Reader(load(FOLDS[fold])), quant_format=QuantFormat.QDQ,
                    per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    nodes_to_exclude=exclude,
                    calibrate_method=CalibrationMethod.Percentile if percentile else CalibrationMethod.MinMax,
                    extra_options={"CalibPercentile": percentile} if percentile else {})
    return out


# ---------------------------------------------------------------- 3. evaluation

def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def refine(lm, heatmap):
    """Heatmap refinement as in models/README.md §4 (crop-normalised x, y)."""
    lm = lm.copy()
    off = (HEATMAP_KERNEL - 1) // 2
    for i in range(33):
        c, r = int(lm[i, 0] * 64), int(lm[i, 1] * 64)
        if c < 0 or c >= 64 or r < 0:
            continue
        c0, c1, r0, r1 = max(c - off, 0), min(c + off + 1, 64), max(r - off, 0), min(r + off + 1, 64)
        if r0 >= r1:
            continue
        w = sigmoid(heatmap[r0:r1, c0:c1, i].astype(np.float32))
        if w.max() >= 0.5 and w.sum() > 0:
            rows, cols = np.mgrid[r0:r1, c0:c1]
            lm[i] = [(cols * w).sum() / 64 / w.sum(), (rows * w).sum() / 64 / w.sum()]
    return lm


def landmarks_px(out):
    return refine(out["Identity"].reshape(39, 5)[:, :2] / 256, out["Identity_3"][0])[:33] * 256


def ear_shoulder_deg(lm, ear, shoulder):
    v = lm[ear] - lm[shoulder]
    return math.degrees(math.atan2(-v[1], v[0]))


def evaluate(model, test_path, names, noise=False):
    ref, test = session(MODELS / f"pose_landmark_{model}.onnx"), session(test_path)
    outputs = [o.name for o in ref.get_outputs()]
    rng = np.random.default_rng(1)
    rows = []
    for name, crops in load(names).items():
        for c in crops:
            x = {"input_1": (c.astype(np.float32) / 255)[None]}
            a = dict(zip(outputs, ref.run(None, x)))
            if a["Identity_1"][0, 0] <= 0.5:
                continue
            if noise:
                c = np.clip(c.astype(np.int16) + rng.integers(-1, 2, c.shape), 0, 255)
                x = {"input_1": (c.astype(np.float32) / 255)[None]}
            b = dict(zip(outputs, test.run(None, x)))
            la, lb = landmarks_px(a), landmarks_px(b)
            d = np.hypot(*(la - lb).T)
            size = np.hypot(*(la.max(0) - la.min(0)))
            angle = max(abs((ear_shoulder_deg(la, e, s) - ear_shoulder_deg(lb, e, s) + 180) % 360 - 180)
                        for e, s in ((7, 11), (8, 12)))
            world = np.linalg.norm(a["Identity_4"].reshape(39, 3)[:33] - b["Identity_4"].reshape(39, 3)[:33], axis=1)
            rows.append(dict(source=name, px=float(np.median(d)), pct=float(np.median(d) / size * 100),
                             worst_px=float(d.max()), angle=float(angle), world_mm=float(np.median(world) * 1000),
                             lost=bool(b["Identity_1"][0, 0] <= 0.5)))
    by_source = {}
    for r in rows:
        by_source.setdefault(r["source"], []).append(r["pct"])
    pct = [r["pct"] for r in rows]
    ang = [r["angle"] for r in rows]
    return dict(crops=len(rows), sources=len(by_source),
                pct_median_over_sources=float(np.median([np.median(v) for v in by_source.values()])),
                pct_median=float(np.median(pct)), pct_p95=float(np.percentile(pct, 95)),
                px_median=float(np.median([r["px"] for r in rows])),
                px_p95=float(np.percentile([r["px"] for r in rows], 95)),
                worst_landmark_px=float(max(r["worst_px"] for r in rows)),
                angle_median=float(np.median(ang)), angle_p95=float(np.percentile(ang, 95)),
                world_mm_median=float(np.median([r["world_mm"] for r in rows])),
                lost=int(sum(r["lost"] for r in rows)))


# ---------------------------------------------------------------- 4. speed

def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def bench(models, threads, rounds, runs=30):
    crops = np.load(CROPS / "video_side_sit_02.npz")["crops"]
    xs = [(c.astype(np.float32) / 255)[None] for c in crops[:: max(1, len(crops) // 8)][:8]]
    layout, full = ort.GraphOptimizationLevel.ORT_ENABLE_LAYOUT, ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sessions = {}
    for m in models:
        sessions[f"{m} float"] = session(MODELS / f"pose_landmark_{m}.onnx", threads, layout)
        sessions[f"{m} float ORT_ENABLE_ALL"] = session(MODELS / f"pose_landmark_{m}.onnx", threads, full)
        sessions[f"{m} int8"] = session(quantize(m, "A", "all"), threads, layout)
        if m == "full":
            for v in ("first third only", "last two thirds only"):
                sessions[f"full int8 {v}"] = session(quantize(m, "A", v), threads, layout)
    wall = {k: [] for k in sessions}
    cpu = {k: [] for k in sessions}
    for s in sessions.values():
        for x in xs:
            s.run(None, {"input_1": x})
    for r in range(rounds):
        for k in (list(sessions) if r % 2 == 0 else list(sessions)[::-1]):
            c0, t0 = cpu_seconds(), time.perf_counter()
            for i in range(runs):
                sessions[k].run(None, {"input_1": xs[i % len(xs)]})
            wall[k].append((time.perf_counter() - t0) / runs * 1000)
            cpu[k].append((cpu_seconds() - c0) / runs * 1000)
    load_avg = open("/proc/loadavg").read().split()[0]
    print(f"\n### speed, {threads} intra-op thread(s), {rounds} alternating rounds of {runs} runs, load {load_avg}\n")
    print("| model | wall ms (median) | CPU ms (median) | float / this, wall | float / this, CPU |")
    print("|---|---|---|---|---|")
    for k in sessions:
        base = k.split()[0] + " float"
        w, c = np.median(wall[k]), np.median(cpu[k])
        print(f"| {k} | {w:.2f} | {c:.2f} | {np.median(wall[base]) / w:.2f} | {np.median(cpu[base]) / c:.2f} |")


def diagnose(model="full"):
    """Where the error comes from: per-tensor SQNR of the int8 model (fold A) against the float
    model, and the per-channel ranges of the residual-stream (Add) tensors."""
    from onnxruntime.quantization.qdq_loss_debug import (collect_activations, compute_activation_error,
                                                         create_activation_matching,
                                                         modify_model_output_intermediate_tensors)
    pre, q = WORK / f"{model}_pre.onnx", quantize(model, "A", "all")
    crops = {n: c[::20] for n, c in load(split("A")[1]).items() if n in ("video_side_sit_02", "front_desk_01")}
    modify_model_output_intermediate_tensors(str(pre), str(WORK / "aug_float.onnx"))
    modify_model_output_intermediate_tensors(str(q), str(WORK / "aug_int8.onnx"))
    acts = [collect_activations(str(WORK / f"aug_{k}.onnx"), Reader(crops)) for k in ("int8", "float")]
    errors = compute_activation_error(create_activation_matching(*acts))
    graph = onnx.load(str(pre)).graph
    print(f"\n### {model}: SQNR (dB) at each Conv and Add output, in graph order\n")
    print("| node | op | own quantisation | accumulated since the input |\n|---|---|---|---|")
    for i, n in enumerate(graph.node):
        e = errors.get(n.output[0])
        if e and n.op_type in ("Conv", "Add"):
            print(f"| {i} | {n.op_type} | {e.get('qdq_err', float('nan')):.1f} | {e.get('xmodel_err', float('nan')):.1f} |")
    adds = [n.output[0] for n in graph.node if n.op_type == "Add"]
    m = onnx.load(str(pre))
    del m.graph.output[:]
    m.graph.output.extend(onnx.helper.make_tensor_value_info(t, onnx.TensorProto.FLOAT, None) for t in adds)
    s = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    ranges = None
    for c in np.concatenate([c[::10] for c in load(FOLDS["A"]).values()]):
        cur = [np.abs(o).max(axis=(0, 2, 3)) for o in s.run(None, {"input_1": (c.astype(np.float32) / 255)[None]})]
        ranges = cur if ranges is None else [np.maximum(a, b) for a, b in zip(ranges, cur)]
    print(f"\n### {model}: residual-stream (Add) tensors, per-channel max |value| on fold A's crops\n")
    print("| tensor | channels | largest channel | median channel | largest / median |\n|---|---|---|---|---|")
    for t, r in zip(adds, ranges):
        print(f"| `{t.split('/')[-2]}` | {len(r)} | {r.max():.1f} | {np.median(r):.1f} | {r.max() / np.median(r):.1f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="lite full")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--speed-only", action="store_true", help="skip the landmark comparison")
    ap.add_argument("--diagnose", action="store_true", help="only where full's int8 error comes from")
    args = ap.parse_args()
    models = args.models.split()
    make_crops()
    if args.diagnose:
        diagnose()
        return
    if args.speed_only:
        for threads in (1, 2):
            bench(models, threads, args.rounds)
        return
    print(f"onnxruntime {ort.__version__}; crops in {CROPS.relative_to(REPO)}\n")
    print("| model | test | calibrated on | crops (sources) | median % of size over sources | "
          "per crop: median % / p95 % | median px / p95 px | worst landmark px | ear-shoulder angle "
          "median / p95 deg | world median mm | pose flag lost |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    runs = [(m, "float, ±1 grey level", "A", None) for m in models]
    runs += [(m, "int8 all", f, "all") for m in models for f in "AB"]
    if "full" in models:
        runs += [("full", f"int8 {v}", "A", v) for v in VARIANTS if v != "all"]
    for model, label, fold, variant in runs:
        path = quantize(model, fold, variant) if variant else MODELS / f"pose_landmark_{model}.onnx"
        s = evaluate(model, path, split(fold)[1], noise=variant is None)
        print(f"| {model} | {label} | {'-' if variant is None else 'fold ' + fold} | {s['crops']} ({s['sources']}) | "
              f"{s['pct_median_over_sources']:.2f} | {s['pct_median']:.2f} / {s['pct_p95']:.2f} | "
              f"{s['px_median']:.2f} / {s['px_p95']:.2f} | {s['worst_landmark_px']:.0f} | "
              f"{s['angle_median']:.1f} / {s['angle_p95']:.1f} | {s['world_mm_median']:.0f} | {s['lost']} |",
              flush=True)
        with open(WORK / "results.jsonl", "a") as f:
            f.write(json.dumps(dict(s, model=model, test=label, fold=fold)) + "\n")
    for threads in (1, 2):
        bench(models, threads, args.rounds)


if __name__ == "__main__":
    main()
