#!/usr/bin/env python3
"""Convert the MediaPipe BlazePose TFLite models to the ONNX files plumbline loads.

Run through scripts/convert-models, which creates the pinned venv this needs
(tensorflow-cpu 2.15.1, tf2onnx 1.17.0, onnx 1.16.2, onnxruntime 1.31.1).

Steps (docs: models/README.md, Provenance and Modifications, notes §8):
  1. `npm pack @mediapipe/pose@0.5.1675469404` into models/.work/, check the tgz
     and every .tflite against pinned sha256s.
  2. Detector: replace the outputs of its DENSIFY and DEQUANTIZE ops by plain
     float32 constant buffers (tf2onnx segfaults on the sparse tensors).
  3. tf2onnx --opset 17 on every model (a subprocess each, so a crash is a clear error).
  4. Landmark models (lite, full): split the full graph (models/.work/*_seg.onnx) in two:
     the body, `<stem>.onnx`, is every node the landmark outputs need, with the two
     tensors the segmentation head reads from it added as outputs (`seg_features_128`,
     `seg_features_64`); the head, `<stem>_seghead.onnx`, is every node that only feeds
     the segmentation output Identity_2, reading those two tensors. Body + head give
     the full graph's outputs exactly (checked), and the head runs only when a mask is
     wanted. Heavy keeps a pruned copy and the full graph as *_seg.onnx.
  5. Check every ONNX file against its TFLite original on real images, time the body
     against the full graph, and write models/manifest.toml and models/README.md.

Default: detector, lite and full (the committed files).  --heavy: only the heavy
model (git-ignored, not byte-reproducible), leaving the committed files alone.
--selfie: only MediaPipe's selfie segmentation models (npm
@mediapipe/selfie_segmentation, Apache-2.0), into models/.work/ (git-ignored): a
whole-image person mask tried for the silhouette C7 and not adopted
(docs/GEOMETRY.md §3.6). Their one custom op, Convolution2DTransposeBias, is replaced
by the TRANSPOSE_CONV and ADD it computes before tf2onnx.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "models"
WORK = MODELS / ".work"

NPM_SPEC = "@mediapipe/pose@0.5.1675469404"
TGZ_NAME = "mediapipe-pose-0.5.1675469404.tgz"
TGZ_SHA256 = "8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"

# stem -> (member in the npm tgz, size in bytes, sha256)
TFLITE = {
    "pose_detection": (
        "package/pose_solution_packed_assets.data",
        2_962_288,
        "a63c614bef30d35947f13be361820b1e4e3bec9cfeebf4d11216a18373108e85",
    ),
    "pose_landmark_lite": (
        "package/pose_landmark_lite.tflite",
        2_819_824,
        "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
    ),
    "pose_landmark_full": (
        "package/pose_landmark_full.tflite",
        6_440_512,
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    ),
    "pose_landmark_heavy": (
        "package/pose_landmark_heavy.tflite",
        27_709_200,
        "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
    ),
}

# The selfie segmenter: a whole-image person mask (npm @mediapipe/selfie_segmentation).
SELFIE_NPM_SPEC = "@mediapipe/selfie_segmentation@0.1.1675465747"
SELFIE_TGZ_NAME = "mediapipe-selfie_segmentation-0.1.1675465747.tgz"
SELFIE_TGZ_SHA256 = "7767b33eaa68990ee06c28bbb89f39a13a47ebb07ff0f1fd4947d9e817bb9bf9"
SELFIE_TFLITE = {
    "selfie_segmentation": (
        "package/selfie_segmentation.tflite",
        249_024,
        "8d13b7fae74af625c641226813616a2117bd6bca19eb3b75574621fc08557f27",
    ),
    "selfie_segmentation_landscape": (
        "package/selfie_segmentation_landscape.tflite",
        249_792,
        "4aafe6223bb8dac6fac8ca8ed56852870a33051ef3f6238822d282a109962894",
    ),
}
# MediaPipe's custom op in both selfie models (its last layer): a transposed convolution
# followed by adding its bias; options are TfLiteTransposeConvParams (padding, strides).
CUSTOM_TRANSPOSE_CONV = "Convolution2DTransposeBias"

OPSET = 17
SEG_OUTPUT = "Identity_2"
IMAGES = ["side_sit_upright_01.jpg", "front_astronaut_01.png"]
IMAGE_DIRS = [REPO / "tests" / "data", Path("/work/shared/media")]
TIMING_RUNS = 200


def log(msg: str) -> None:
    print(f"convert-models: {msg}", flush=True)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def die(msg: str) -> None:
    print(f"convert-models: error: {msg}", file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------- sources


def npm_pack(spec: str, name: str, sha256: str) -> Path:
    """`npm pack spec` into WORK (once) as `name`, checked against its pinned sha256."""
    WORK.mkdir(parents=True, exist_ok=True)
    tgz = WORK / name
    if not tgz.exists():
        log(f"npm pack {spec}")
        subprocess.run(["npm", "pack", "--silent", spec], cwd=WORK, check=True,
                       stdout=subprocess.DEVNULL)
    got = sha256_file(tgz)
    if got != sha256:
        die(f"{tgz}: sha256 {got}, expected {sha256}; delete it and re-run")
    return tgz


def fetch_sources(stems: list[str]) -> dict[str, Path]:
    """npm pack the MediaPipe package (once), verify it, extract the wanted .tflite files."""
    tgz = npm_pack(NPM_SPEC, TGZ_NAME, TGZ_SHA256)
    out: dict[str, Path] = {}
    with tarfile.open(tgz) as tar:
        for stem in stems:
            member, size, sha = TFLITE[stem]
            dst = WORK / f"{stem}.tflite"
            data = tar.extractfile(member).read()
            if len(data) != size or hashlib.sha256(data).hexdigest() != sha:
                die(f"{member} in {TGZ_NAME} does not match the pinned size/sha256")
            dst.write_bytes(data)
            out[stem] = dst
    return out


# ---------------------------------------------------------------- detector rewrite


def materialise_constants(src: Path, dst: Path) -> dict[str, int]:
    """Replace every DENSIFY and DEQUANTIZE op by a float32 constant (models/README.md, Modifications)."""
    import tensorflow as tf
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.python import util as tfl_util

    model = tfl_util._convert_model_from_bytearray_to_object(bytearray(src.read_bytes()))
    graph = model.subgraphs[0]
    codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in model.operatorCodes]
    targets = {schema.BuiltinOperator.DENSIFY: "DENSIFY",
               schema.BuiltinOperator.DEQUANTIZE: "DEQUANTIZE"}

    interp = tf.lite.Interpreter(
        model_path=str(src),
        experimental_preserve_all_tensors=True,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    interp.set_tensor(inp["index"], np.zeros(inp["shape"], dtype=np.float32))
    interp.invoke()

    removed = {name: 0 for name in targets.values()}
    kept_ops = []
    for op in graph.operators:
        kind = targets.get(codes[op.opcodeIndex])
        if kind is None:
            kept_ops.append(op)
            continue
        out_idx = int(op.outputs[0])
        values = np.ascontiguousarray(interp.get_tensor(out_idx), dtype=np.float32)
        buf = schema.BufferT()
        buf.data = np.frombuffer(values.tobytes(), dtype=np.uint8)
        model.buffers.append(buf)
        tensor = graph.tensors[out_idx]
        tensor.buffer = len(model.buffers) - 1
        tensor.type = schema.TensorType.FLOAT32
        tensor.sparsity = None
        tensor.quantization = None
        removed[kind] += 1
    graph.operators = kept_ops

    used = set(int(i) for i in graph.outputs) | set(int(i) for i in graph.inputs)
    for op in kept_ops:
        used.update(int(i) for i in op.inputs if i >= 0)
        used.update(int(i) for i in op.outputs)
    live_buffers = {graph.tensors[i].buffer for i in used}
    for i, tensor in enumerate(graph.tensors):
        if i not in used:
            tensor.sparsity = None
            if tensor.buffer not in live_buffers and tensor.buffer != 0:
                model.buffers[tensor.buffer].data = None

    dst.write_bytes(bytes(tfl_util._convert_model_from_object_to_bytearray(model)))
    removed["kept"] = len(kept_ops)
    return removed


def fetch_selfie() -> dict[str, Path]:
    """npm pack the selfie segmentation package (once), verify it, extract both models."""
    tgz = npm_pack(SELFIE_NPM_SPEC, SELFIE_TGZ_NAME, SELFIE_TGZ_SHA256)
    out: dict[str, Path] = {}
    with tarfile.open(tgz) as tar:
        pkg = json.loads(tar.extractfile("package/package.json").read())
        if pkg.get("license") != "Apache-2.0":
            die(f"{SELFIE_TGZ_NAME}: licence {pkg.get('license')!r}, expected Apache-2.0")
        for stem, (member, size, sha) in SELFIE_TFLITE.items():
            data = tar.extractfile(member).read()
            if len(data) != size or hashlib.sha256(data).hexdigest() != sha:
                die(f"{member} in {SELFIE_TGZ_NAME} does not match the pinned size/sha256")
            dst = WORK / f"{stem}.tflite"
            dst.write_bytes(data)
            out[stem] = dst
    return out


def replace_transpose_conv_bias(src: Path, dst: Path) -> int:
    """Replace MediaPipe's custom Convolution2DTransposeBias op by the two builtin ops it
    computes, TRANSPOSE_CONV (same weights, padding and strides) and ADD (its bias), so that
    TFLite's own kernels and tf2onnx can read the model. Returns the number replaced."""
    import struct

    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.python import util as tfl_util

    model = tfl_util._convert_model_from_bytearray_to_object(bytearray(src.read_bytes()))
    graph = model.subgraphs[0]

    def opcode(builtin: int) -> int:
        for i, c in enumerate(model.operatorCodes):
            if max(c.builtinCode, c.deprecatedBuiltinCode) == builtin:
                return i
        code = schema.OperatorCodeT()
        code.builtinCode = builtin
        code.deprecatedBuiltinCode = min(builtin, 127)
        code.version = 1
        model.operatorCodes.append(code)
        return len(model.operatorCodes) - 1

    replaced, ops = 0, []
    for op in graph.operators:
        code = model.operatorCodes[op.opcodeIndex]
        custom = code.customCode.decode() if code.customCode is not None else ""
        if custom != CUSTOM_TRANSPOSE_CONV:
            ops.append(op)
            continue
        x, weights, bias = (int(i) for i in op.inputs)
        out = int(op.outputs[0])
        padding, stride_w, stride_h = struct.unpack("<3i", bytes(op.customOptions))
        if padding not in (1, 2):  # kTfLitePaddingSame, kTfLitePaddingValid
            die(f"{src.name}: {CUSTOM_TRANSPOSE_CONV} with padding {padding}")
        out_tensor = graph.tensors[out]
        shape_buf = schema.BufferT()
        shape_buf.data = np.frombuffer(
            np.array(out_tensor.shape, dtype=np.int32).tobytes(), dtype=np.uint8)
        model.buffers.append(shape_buf)
        shape_t = schema.TensorT()
        shape_t.shape = [len(out_tensor.shape)]
        shape_t.type = schema.TensorType.INT32
        shape_t.buffer = len(model.buffers) - 1
        shape_t.name = out_tensor.name + b"/output_shape"
        graph.tensors.append(shape_t)
        empty = schema.BufferT()
        model.buffers.append(empty)
        conv_t = schema.TensorT()
        conv_t.shape = list(out_tensor.shape)
        conv_t.type = schema.TensorType.FLOAT32
        conv_t.buffer = len(model.buffers) - 1
        conv_t.name = out_tensor.name + b"/without_bias"
        graph.tensors.append(conv_t)
        shape_i, conv_i = len(graph.tensors) - 2, len(graph.tensors) - 1

        conv = schema.OperatorT()
        conv.opcodeIndex = opcode(schema.BuiltinOperator.TRANSPOSE_CONV)
        conv.inputs = [shape_i, weights, x]
        conv.outputs = [conv_i]
        conv.builtinOptionsType = schema.BuiltinOptions.TransposeConvOptions
        opts = schema.TransposeConvOptionsT()
        opts.padding = schema.Padding.SAME if padding == 1 else schema.Padding.VALID
        opts.strideW, opts.strideH = stride_w, stride_h
        conv.builtinOptions = opts
        add = schema.OperatorT()
        add.opcodeIndex = opcode(schema.BuiltinOperator.ADD)
        add.inputs = [conv_i, bias]
        add.outputs = [out]
        add.builtinOptionsType = schema.BuiltinOptions.AddOptions
        add.builtinOptions = schema.AddOptionsT()
        ops += [conv, add]
        replaced += 1
    graph.operators = ops
    dst.write_bytes(bytes(tfl_util._convert_model_from_object_to_bytearray(model)))
    return replaced


# ---------------------------------------------------------------- ONNX


def tf2onnx(src: Path, dst: Path) -> None:
    logfile = WORK / f"{dst.stem}.tf2onnx.log"
    t0 = time.monotonic()
    with logfile.open("w") as lf:
        rc = subprocess.run(
            [sys.executable, "-m", "tf2onnx.convert", "--tflite", str(src),
             "--output", str(dst), "--opset", str(OPSET)],
            stdout=lf, stderr=subprocess.STDOUT, check=False,
        ).returncode
    if rc != 0:
        die(f"tf2onnx failed on {src.name} (rc {rc}); see {logfile}")
    log(f"tf2onnx {src.name} -> {dst.name} ({time.monotonic() - t0:.1f} s)")


def needed_nodes(graph, targets: list[str], name: str) -> tuple[set[int], set[str]]:
    """Indices of the nodes `targets` need, and every tensor name they read or write."""
    import onnx

    need, kept = set(targets), set()
    for i in reversed(range(len(graph.node))):  # ONNX nodes are stored topologically sorted
        node = graph.node[i]
        if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
               for a in node.attribute):
            die(f"{name}: node {node.name} has a subgraph; the sweep does not handle that")
        if any(o in need for o in node.output):
            kept.add(i)
            need.update(x for x in node.input if x)
    return kept, need


def keep_only(graph, names: set[str]) -> None:
    """Drop the initializers and value_infos not in `names`."""
    for container in (graph.initializer, graph.value_info):
        live = [t for t in container if t.name in names]
        del container[:]
        container.extend(live)


def prune_output(src: Path, dst: Path, drop: str) -> int:
    """Remove graph output `drop` and every node, initializer and value_info only it needs."""
    import onnx

    model = onnx.load(str(src))
    g = model.graph
    if drop not in [o.name for o in g.output]:
        die(f"{src.name} has no output {drop}")
    outputs = [o for o in g.output if o.name != drop]
    del g.output[:]
    g.output.extend(outputs)
    kept, needed = needed_nodes(g, [o.name for o in g.output], src.name)
    removed = len(g.node) - len(kept)
    nodes = [g.node[i] for i in sorted(kept)]
    del g.node[:]
    g.node.extend(nodes)
    keep_only(g, needed)
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))
    return removed


SEG_FEATURES_PREFIX = "seg_features_"
# Largest difference allowed between the full graph and body + head. Full: 0 on the check
# inputs; lite: 1.7e-3 on segmentation logits of about +-1700 (ONNX Runtime fuses a node
# pair across the cut differently), far below anything a sigmoid or a landmark shows.
SPLIT_TOLERANCE = 1e-2


def split_segmentation(src: Path, body_path: Path, head_path: Path) -> dict:
    """Split `src` (all outputs) into a body without the nodes that only feed SEG_OUTPUT,
    which also outputs the tensors those nodes read (named seg_features_<height>), and a
    head made of those nodes, reading the features and writing SEG_OUTPUT."""
    import onnx
    from onnx import helper

    model = onnx.load(str(src))
    g = model.graph
    if SEG_OUTPUT not in [o.name for o in g.output]:
        die(f"{src.name} has no output {SEG_OUTPUT}")

    body_nodes, body_need = needed_nodes(
        g, [o.name for o in g.output if o.name != SEG_OUTPUT], src.name)
    seg_nodes, _ = needed_nodes(g, [SEG_OUTPUT], src.name)
    head_nodes = sorted(seg_nodes - body_nodes)
    made_by_body = {o for i in body_nodes for o in g.node[i].output}
    cut: list[str] = []
    for i in head_nodes:
        cut += [x for x in g.node[i].input if x in made_by_body and x not in cut]
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
              for v in onnx.shape_inference.infer_shapes(model).graph.value_info}
    features = {c: (f"{SEG_FEATURES_PREFIX}{shapes[c][2]}", shapes[c]) for c in cut}
    if len({n for n, _ in features.values()}) != len(features):
        die(f"{src.name}: two segmentation features of the same height {features}")

    body = onnx.ModelProto()
    body.CopyFrom(model)
    bg = body.graph
    del bg.node[:]
    bg.node.extend(g.node[i] for i in sorted(body_nodes))
    bg.node.extend(helper.make_node("Identity", [c], [n], name=n) for c, (n, _) in features.items())
    outputs = [o for o in g.output if o.name != SEG_OUTPUT]
    del bg.output[:]
    bg.output.extend(outputs)
    bg.output.extend(helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, shape)
                     for n, shape in features.values())
    keep_only(bg, body_need)
    onnx.checker.check_model(body)
    onnx.save(body, str(body_path))

    head = onnx.ModelProto()
    head.CopyFrom(model)
    hg = head.graph
    nodes = []
    for i in head_nodes:
        node = onnx.NodeProto()
        node.CopyFrom(g.node[i])
        for k, x in enumerate(node.input):
            if x in features:
                node.input[k] = features[x][0]
        nodes.append(node)
    del hg.node[:]
    hg.node.extend(nodes)
    del hg.input[:]
    hg.input.extend(helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, shape)
                    for n, shape in features.values())
    del hg.output[:]
    hg.output.extend(o for o in g.output if o.name == SEG_OUTPUT)
    keep_only(hg, {x for node in nodes for x in node.input})
    onnx.checker.check_model(head)
    onnx.save(head, str(head_path))
    return {"body_nodes": len(bg.node), "head_nodes": len(hg.node),
            "features": {n: shape for n, shape in features.values()}}


def split_vs_full(body: Path, head: Path, full: Path, inputs: list[np.ndarray]) -> float:
    """Largest difference between the full graph's outputs and body + head's."""
    b, h, f = ort_session(body), ort_session(head), ort_session(full)
    head_inputs = [i.name for i in h.get_inputs()]
    worst = 0.0
    for x in inputs:
        got = run_onnx(b, x)
        got.update(dict(zip([o.name for o in h.get_outputs()],
                            h.run(None, {n: got[n] for n in head_inputs}))))
        for name, val in run_onnx(f, x).items():
            worst = max(worst, float(np.max(np.abs(val - got[name]))))
    return worst


def onnx_io(path: Path) -> tuple[list[tuple[str, list[int]]], list[tuple[str, list[int]]]]:
    import onnx

    g = onnx.load(str(path), load_external_data=False).graph
    inits = {t.name for t in g.initializer}

    def shape(v) -> list[int]:
        dims = v.type.tensor_type.shape.dim
        if any(not d.HasField("dim_value") for d in dims):
            die(f"{path.name}: {v.name} has a symbolic dimension")
        return [d.dim_value for d in dims]

    return ([(v.name, shape(v)) for v in g.input if v.name not in inits],
            [(v.name, shape(v)) for v in g.output])


def ort_session(path: Path, threads: int = 1):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def run_onnx(sess, x: np.ndarray) -> dict[str, np.ndarray]:
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, {sess.get_inputs()[0].name: x})))


# ---------------------------------------------------------------- TFLite + images


def run_tflite(path: Path, x: np.ndarray, reference: bool) -> dict[str, np.ndarray]:
    import tensorflow as tf

    kwargs = {"num_threads": 1}
    if reference:
        kwargs["experimental_op_resolver_type"] = (
            tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    interp = tf.lite.Interpreter(model_path=str(path), **kwargs)
    interp.allocate_tensors()
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    return {d["name"]: interp.get_tensor(d["index"]).copy() for d in interp.get_output_details()}


def find_images(explicit: list[str]) -> list[Path]:
    if explicit:
        paths = [Path(p) for p in explicit]
    else:
        paths = []
        for name in IMAGES:
            hit = next((d / name for d in IMAGE_DIRS if (d / name).exists()), None)
            if hit is not None:
                paths.append(hit)
    missing = [p for p in paths if not p.exists()]
    if not paths or missing:
        die(f"no check image found ({missing or IMAGES}); pass --image PATH (a photo of a person)")
    return paths


def load_rgb(path: Path) -> np.ndarray:
    import tensorflow as tf

    img = tf.io.decode_image(tf.io.read_file(str(path)), channels=3, expand_animations=False)
    return img.numpy().astype(np.float32)


def detector_input(rgb: np.ndarray) -> np.ndarray:
    """Letterbox to a square with black (0) padding, 224x224 bilinear, values in [-1, 1]."""
    import tensorflow as tf

    h, w, _ = rgb.shape
    side = max(h, w)
    top, left = (side - h) // 2, (side - w) // 2
    square = np.zeros((side, side, 3), np.float32)
    square[top:top + h, left:left + w] = rgb
    img = tf.image.resize(square[None], (224, 224), method="bilinear").numpy()
    return (img / 127.5 - 1.0).astype(np.float32)


def detector_anchors() -> np.ndarray:
    """The 2254 SSD anchor centres of the detector (pose_detection_cpu.pbtxt: strides 8, 16,
    32, 32, 32 on 224 px, 2 anchors per layer and cell, fixed size 1, offset 0.5)."""
    rows = []
    for stride, per_cell in ((8, 2), (16, 2), (32, 6)):
        n = 224 // stride
        for y in range(n):
            for x in range(n):
                rows += [((x + 0.5) / n, (y + 0.5) / n)] * per_cell
    return np.array(rows, dtype=np.float64)


def person_roi(rgb: np.ndarray, detector: Path) -> tuple[float, float, float, float]:
    """ROI (centre x, centre y, side, rotation) in pixels from the best detection
    (models/README.md §2.3, §3.1: keypoints 0 and 1, side 2|p1 - p0| x 1.25, rotation to 90 degrees)."""
    raw = run_tflite(detector, detector_input(rgb), reference=False)
    boxes, logits = raw["Identity"][0].astype(np.float64), raw["Identity_1"][0, :, 0]
    best = int(np.argmax(logits))
    ax, ay = detector_anchors()[best]
    h, w, _ = rgb.shape
    side = max(h, w)
    pts = []
    for k in (0, 1):  # letterboxed-normalised -> image pixels
        x = boxes[best, 4 + 2 * k] / 224 + ax
        y = boxes[best, 5 + 2 * k] / 224 + ay
        pts.append((x * side - (side - w) / 2, y * side - (side - h) / 2))
    (x0, y0), (x1, y1) = pts
    rot = np.pi / 2 - np.arctan2(-(y1 - y0), x1 - x0)
    rot -= 2 * np.pi * np.floor((rot + np.pi) / (2 * np.pi))
    return x0, y0, 2 * np.hypot(x1 - x0, y1 - y0) * 1.25, float(rot)


def landmark_input(rgb: np.ndarray, roi: tuple[float, float, float, float]) -> np.ndarray:
    """Rotated square ROI crop, 256x256 bilinear with replicated border, values in [0, 1]."""
    cx, cy, side, rot = roi
    g = (np.arange(256) + 0.5) / 256 - 0.5
    u, v = np.meshgrid(g * side, g * side)
    sx = np.cos(rot) * u - np.sin(rot) * v + cx - 0.5
    sy = np.sin(rot) * u + np.cos(rot) * v + cy - 0.5
    h, w, _ = rgb.shape
    sx, sy = np.clip(sx, 0, w - 1), np.clip(sy, 0, h - 1)
    x0, y0 = np.floor(sx).astype(int), np.floor(sy).astype(int)
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    fx, fy = (sx - x0)[..., None], (sy - y0)[..., None]
    top = rgb[y0, x0] * (1 - fx) + rgb[y0, x1] * fx
    bottom = rgb[y1, x0] * (1 - fx) + rgb[y1, x1] * fx
    crop = top * (1 - fy) + bottom * fy
    return (np.clip(crop / 255.0, 0.0, 1.0)[None]).astype(np.float32)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x.astype(np.float64), -80, 80)))


# ---------------------------------------------------------------- checks


@dataclass
class Check:
    """Max abs differences per output, over all check images."""

    onnx_vs_xnnpack: dict[str, float] = field(default_factory=dict)
    onnx_vs_reference: dict[str, float] = field(default_factory=dict)
    xnnpack_vs_reference: dict[str, float] = field(default_factory=dict)

    def add(self, table: dict[str, float], key: str, a: np.ndarray, b: np.ndarray) -> None:
        table[key] = max(table.get(key, 0.0), float(np.max(np.abs(a.astype(np.float64) - b))))


def numeric_check(onnx_path: Path, tflite_path: Path, inputs: list[np.ndarray]) -> Check:
    check = Check()
    sess = ort_session(onnx_path)
    for x in inputs:
        got = run_onnx(sess, x)
        xnn = run_tflite(tflite_path, x, reference=False)
        ref = run_tflite(tflite_path, x, reference=True)
        for name, val in got.items():
            if name not in xnn:
                die(f"{onnx_path.name}: output {name} not in the TFLite model ({sorted(xnn)})")
            pairs = [(check.onnx_vs_xnnpack, val, xnn[name]),
                     (check.onnx_vs_reference, val, ref[name]),
                     (check.xnnpack_vs_reference, xnn[name], ref[name])]
            for table, a, b in pairs:
                if a.shape != b.shape:
                    die(f"{onnx_path.name}: {name} shape {a.shape} vs TFLite {b.shape}")
                check.add(table, name, a, b)
                if name == "Identity" and a.shape == (1, 195):  # landmark x, y in crop px
                    xy = np.s_[:, [i for i in range(195) if i % 5 < 2]]
                    check.add(table, "Identity x,y (px)", a[xy], b[xy])
                if name == SEG_OUTPUT:
                    check.add(table, f"sigmoid({name})", sigmoid(a), sigmoid(b))
    return check


def time_pair(fast: Path, slow: Path, x: np.ndarray) -> dict[str, float]:
    """Median and min ms per inference, 1 intra-op thread, the sessions interleaved in blocks."""
    sessions = {"fast": ort_session(fast), "slow": ort_session(slow)}
    times: dict[str, list[float]] = {k: [] for k in sessions}
    for s in sessions.values():
        for _ in range(5):
            run_onnx(s, x)
    for _ in range(TIMING_RUNS // 10):
        for key, s in sessions.items():
            for _ in range(10):
                t0 = time.perf_counter()
                run_onnx(s, x)
                times[key].append((time.perf_counter() - t0) * 1e3)
    return {"ms_pruned": statistics.median(times["fast"]), "ms_seg": statistics.median(times["slow"]),
            "min_ms_pruned": min(times["fast"]), "min_ms_seg": min(times["slow"])}


def pruned_vs_full(pruned: Path, full: Path, inputs: list[np.ndarray]) -> float:
    a, b = ort_session(pruned), ort_session(full)
    worst = 0.0
    for x in inputs:
        pa, pb = run_onnx(a, x), run_onnx(b, x)
        for name, val in pa.items():
            worst = max(worst, float(np.max(np.abs(val - pb[name]))))
    return worst


def selfie_input(rgb: np.ndarray, height: int, width: int) -> np.ndarray:
    """The whole image stretched to the model's input (MediaPipe's selfie graph:
    keep_aspect_ratio false), bilinear, values in [0, 1]."""
    import tensorflow as tf

    img = tf.image.resize(rgb[None], (height, width), method="bilinear").numpy()
    return np.clip(img / 255.0, 0.0, 1.0).astype(np.float32)


def median_ms(path: Path, x: np.ndarray, runs: int = TIMING_RUNS) -> float:
    """Median ms per inference, 1 intra-op thread."""
    sess = ort_session(path)
    for _ in range(5):
        run_onnx(sess, x)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        run_onnx(sess, x)
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def convert_selfie(images: list[Path]) -> dict:
    """Both selfie segmentation models into models/.work/ (exploratory, not loaded by
    plumbline: docs/GEOMETRY.md §3.6): custom op replaced, weights materialised, tf2onnx,
    checked against TFLite (the rewritten model, XNNPACK and reference kernels: TFLite's
    Python interpreter cannot run the original's custom op) and timed against the full
    landmark model."""
    sources = fetch_selfie()
    rgbs = [load_rgb(p) for p in images]
    results: dict = {"models": {}, "images": [(p.name, sha256_file(p)) for p in images]}
    for stem, src in sources.items():
        info: dict = {"tflite": SELFIE_TFLITE[stem][0].removeprefix("package/"),
                      "tflite_sha256": SELFIE_TFLITE[stem][2]}
        builtin = WORK / f"{stem}_builtin.tflite"
        info["custom_ops_replaced"] = replace_transpose_conv_bias(src, builtin)
        plain = WORK / f"{stem}_plain.tflite"
        info["rewrite"] = materialise_constants(builtin, plain)
        out = WORK / f"{stem}.onnx"
        tf2onnx(plain, out)
        (_, shape), = onnx_io(out)[0]
        inputs = [selfie_input(r, shape[1], shape[2]) for r in rgbs]
        info["check"] = {out.name: numeric_check(out, builtin, inputs).__dict__}
        sess = ort_session(out)
        info["ms"] = median_ms(out, inputs[0])
        info["person_fraction"] = [float((run_onnx(sess, x)[onnx_io(out)[1][0][0]] > 0.5).mean())
                                   for x in inputs]
        log(f"{stem}: {info['custom_ops_replaced']} custom op replaced, {info['ms']:.2f} ms, "
            f"person fraction "
            f"{info['person_fraction']}")
        for fname, c in info["check"].items():
            log(f"check {fname} vs rewritten TFLite XNNPACK: {c['onnx_vs_xnnpack']}, "
                f"reference: {c['onnx_vs_reference']}")
        results["models"][stem] = info
    full = MODELS / "pose_landmark_full.onnx"
    if full.exists():
        results["ms_pose_landmark_full"] = median_ms(full, np.zeros((1, 256, 256, 3), np.float32))
        log(f"pose_landmark_full (for comparison): {results['ms_pose_landmark_full']:.2f} ms")
    return results


# ---------------------------------------------------------------- main


def convert(stems: list[str], images: list[Path]) -> dict:
    sources = fetch_sources(sorted(set(stems) | {"pose_detection"}))
    rgbs = [load_rgb(p) for p in images]
    rois = [person_roi(r, sources["pose_detection"]) for r in rgbs]
    results: dict = {"models": {}, "images": [(p.name, sha256_file(p)) for p in images],
                     "rois": [[round(v, 2) for v in roi] for roi in rois]}
    for stem in stems:
        src = sources[stem]
        info: dict = {"tflite": TFLITE[stem][0].removeprefix("package/"),
                      "tflite_sha256": TFLITE[stem][2]}
        if stem == "pose_detection":
            plain = WORK / "pose_detection_plain.tflite"
            info["rewrite"] = materialise_constants(src, plain)
            log(f"detector rewrite: {info['rewrite']}")
            out = MODELS / "pose_detection.onnx"
            tf2onnx(plain, out)
            inputs = [detector_input(r) for r in rgbs]
            sess = ort_session(out)
            info["best_score"] = [float(sigmoid(np.clip(run_onnx(sess, x)["Identity_1"], -100, 100)).max())
                                  for x in inputs]
            info["check"] = {out.name: numeric_check(out, src, inputs).__dict__}
            results["models"][out.stem] = info
            continue
        inputs = [landmark_input(r, roi) for r, roi in zip(rgbs, rois)]
        pruned = MODELS / f"{stem}.onnx"
        if stem == "pose_landmark_heavy":
            seg = MODELS / f"{stem}_seg.onnx"
            tf2onnx(src, seg)
            info["pruned_nodes"] = prune_output(seg, pruned, SEG_OUTPUT)
            info["check"] = {p.name: numeric_check(p, src, inputs).__dict__
                             for p in (pruned, seg)}
            info["pruned_vs_seg_max_abs"] = pruned_vs_full(pruned, seg, inputs)
        else:
            # The full graph is checked against TFLite; body + head must reproduce it.
            seg = WORK / f"{stem}_seg.onnx"
            tf2onnx(src, seg)
            info["split"] = split_segmentation(seg, pruned, MODELS / f"{stem}_seghead.onnx")
            info["check"] = {f"{stem}.onnx + {stem}_seghead.onnx":
                             numeric_check(seg, src, inputs).__dict__}
            info["pruned_vs_seg_max_abs"] = split_vs_full(
                pruned, MODELS / f"{stem}_seghead.onnx", seg, inputs)
            if info["pruned_vs_seg_max_abs"] > SPLIT_TOLERANCE:
                die(f"{stem}: body + head differ from the full graph by "
                    f"{info['pruned_vs_seg_max_abs']:.3g}")
        info.update(time_pair(pruned, seg, inputs[0]))
        fast, slow = info["ms_pruned"], info["ms_seg"]
        sess = ort_session(pruned)
        info["pose_flag"] = [float(run_onnx(sess, x)["Identity_1"].item()) for x in inputs]
        log(f"{stem}: {slow:.2f} ms with the segmentation head -> {fast:.2f} ms without "
            f"(x{slow / fast:.2f}); max abs difference {info['pruned_vs_seg_max_abs']:.3g}")
        results["models"][stem] = info
    for info in results["models"].values():
        for fname, c in info["check"].items():
            worst = ", ".join(f"{k} {v:.3g}" for k, v in c["onnx_vs_xnnpack"].items())
            log(f"check {fname} vs TFLite XNNPACK: {worst}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heavy", action="store_true",
                        help="convert only the heavy landmark model (git-ignored files)")
    parser.add_argument("--all", action="store_true",
                        help="convert the committed models and heavy, and document heavy too")
    parser.add_argument("--selfie", action="store_true",
                        help="convert only the selfie segmentation models (whole-image person mask)")
    parser.add_argument("--image", action="append", default=[],
                        help="check image (repeatable); default: " + ", ".join(IMAGES))
    args = parser.parse_args()

    import convert_models_report as report  # manifest and README writers

    images = find_images(args.image)
    if args.selfie:
        results = convert_selfie(images)
        results["tools"] = report.tool_versions()
        (WORK / "results-selfie.json").write_text(json.dumps(results, indent=1))
        for p in sorted(WORK.glob("selfie*.onnx")):
            print(f"{sha256_file(p)}  {p.stat().st_size:>10}  {p.relative_to(REPO)}")
        return
    stems = [] if args.heavy else ["pose_detection", "pose_landmark_lite", "pose_landmark_full"]
    if args.heavy or args.all:
        stems.append("pose_landmark_heavy")
    results = convert(stems, images)
    results["tools"] = report.tool_versions()
    (WORK / f"results{'-heavy' if args.heavy else ''}.json").write_text(
        json.dumps(results, indent=1))
    if args.heavy:
        manifest = (MODELS / "manifest.toml").read_text()
        for stem in ("pose_landmark_heavy", "pose_landmark_heavy_seg"):
            inputs, outputs = onnx_io(MODELS / f"{stem}.onnx")
            report.check_manifest_shapes(manifest, stem, inputs, outputs)
        log("heavy models written; shapes match models/manifest.toml")
    else:
        report.write_manifest(MODELS, onnx_io)
        report.write_readme(MODELS, results, sha256_file, onnx_io)
        log("wrote models/manifest.toml and models/README.md")
    for p in sorted(MODELS.glob("*.onnx")):
        print(f"{sha256_file(p)}  {p.stat().st_size:>10}  {p.relative_to(REPO)}")


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
