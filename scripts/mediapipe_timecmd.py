"""Runs a command with stdout discarded and prints "<wall seconds> <cpu seconds>" for it, where
cpu is user + system time of the command and all its threads (getrusage of the child).
Used by scripts/bench-vs-mediapipe; standard library only.

Usage: python3 scripts/mediapipe_timecmd.py STDERR_FILE COMMAND [ARGS...]
"""

import resource
import subprocess
import sys
import time


def main() -> None:
    err_path, cmd = sys.argv[1], sys.argv[2:]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(err_path, "w", encoding="utf-8") as err:
        rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=err, check=False).returncode
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if rc != 0:
        sys.exit(f"mediapipe_timecmd: {cmd[0]} exited with {rc} (see {err_path})")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"{wall:.6f} {cpu:.6f}")


if __name__ == "__main__":
    main()
