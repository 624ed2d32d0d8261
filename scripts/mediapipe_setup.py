"""Creates and checks the MediaPipe reference environment used by scripts/compare-mediapipe and
scripts/bench-vs-mediapipe, then prints the path of its Python interpreter.

Runs with the system python3 (standard library only):

1. <repo>/.venv-mediapipe with the pinned freeze of scripts/mediapipe-requirements.txt
   (mediapipe==0.10.14, numpy 1.26.4, protobuf 4.25.9, ...). It is rebuilt when that file
   changes (a sha256 stamp is kept in the venv).
2. The lite and heavy landmark models copied into the installed
   mediapipe/modules/pose_landmark/. mediapipe 0.10.14 ships only the full model and would
   download the others from a cloud bucket when `Pose(model_complexity=0|2)` is built
   (models/README.md §8). They come from the npm package @mediapipe/pose@0.5.1675469404
   (models/.work/package/ if scripts/convert-models already extracted it, else `npm pack`),
   and every file is checked against the sha256 in models/README.md (provenance).
"""

from __future__ import annotations

import hashlib
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile

NPM_SPEC = "@mediapipe/pose@0.5.1675469404"
NPM_TGZ_SHA256 = "8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"
TFLITE_SHA256 = {
    "lite": "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
    "full": "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    "heavy": "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
}

REPO = pathlib.Path(__file__).resolve().parent.parent
VENV = REPO / ".venv-mediapipe"
REQUIREMENTS = REPO / "scripts" / "mediapipe-requirements.txt"
STAMP = VENV / ".requirements.sha256"


def log(msg: str) -> None:
    print(f"mediapipe-setup: {msg}", file=sys.stderr)


def sha256(path: pathlib.Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def venv_python() -> pathlib.Path:
    return VENV / "bin" / "python"


def ensure_venv() -> None:
    want = sha256(REQUIREMENTS)
    if venv_python().exists() and STAMP.exists() and STAMP.read_text().strip() == want:
        return
    if sys.version_info[:2] not in ((3, 9), (3, 10), (3, 11), (3, 12)):
        sys.exit("mediapipe-setup: mediapipe 0.10.14 wheels need Python 3.9-3.12, "
                 f"this is {sys.version.split()[0]}")
    log(f"creating {VENV} from {REQUIREMENTS.name} (one-off, about a minute) ...")
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(venv_python()), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", "-r", str(REQUIREMENTS)], check=True)
    STAMP.write_text(want + "\n")


def pose_landmark_dir() -> pathlib.Path:
    out = subprocess.run(
        [str(venv_python()), "-c",
         "import importlib.util, os; s = importlib.util.find_spec('mediapipe');"
         "print(os.path.join(os.path.dirname(s.origin), 'modules', 'pose_landmark'))"],
        check=True, capture_output=True, text=True)
    return pathlib.Path(out.stdout.strip())


def npm_package_dir(tmp: pathlib.Path) -> pathlib.Path:
    local = REPO / "models" / ".work" / "package"
    if all((local / f"pose_landmark_{m}.tflite").exists() for m in ("lite", "heavy")):
        return local
    if shutil.which("npm") is None:
        sys.exit("mediapipe-setup: npm is required to fetch " + NPM_SPEC)
    log(f"npm pack {NPM_SPEC} ...")
    subprocess.run(["npm", "pack", "--silent", NPM_SPEC], cwd=tmp, check=True,
                   stdout=subprocess.DEVNULL)
    tgz = next(tmp.glob("*.tgz"))
    if sha256(tgz) != NPM_TGZ_SHA256:
        sys.exit(f"mediapipe-setup: {tgz.name} sha256 mismatch (expected {NPM_TGZ_SHA256})")
    with tarfile.open(tgz) as tar:
        for member in tar.getmembers():
            if member.name.endswith(".tflite"):
                tar.extract(member, tmp)
    return tmp / "package"


def ensure_models() -> None:
    dest = pose_landmark_dir()
    missing = [m for m in ("lite", "heavy")
               if not (dest / f"pose_landmark_{m}.tflite").exists()
               or sha256(dest / f"pose_landmark_{m}.tflite") != TFLITE_SHA256[m]]
    if not missing:
        return
    with tempfile.TemporaryDirectory() as tmp:
        src_dir = npm_package_dir(pathlib.Path(tmp))
        for m in missing:
            src = src_dir / f"pose_landmark_{m}.tflite"
            if sha256(src) != TFLITE_SHA256[m]:
                sys.exit(f"mediapipe-setup: {src} sha256 mismatch (expected {TFLITE_SHA256[m]})")
            shutil.copyfile(src, dest / src.name)
            log(f"installed {src.name} into {dest}")


def main() -> None:
    ensure_venv()
    ensure_models()
    print(venv_python())


if __name__ == "__main__":
    main()
