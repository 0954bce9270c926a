"""What a sandboxed preview costs over the command's own run time (issue 20's target: ≤ 0.5 s).

    python benchmarks/preview.py [--repeat 7]

For each command: the median wall time of `bash -c COMMAND` run directly, and of `codegen.preview.preview`
(sandbox set-up, the run, the file-change report and the risk verdict), both in the same fixture
directory (a small project tree of 200 files); the overhead is the difference of the medians. Also the
median wall time of a whole `python -m codegen preview -- COMMAND` process, which adds the interpreter
and CLI start-up. The load average at the start is recorded. Writes benchmarks/results/preview.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # this checkout's codegen, not an installed one

from codegen.atomic import atomic_write_text  # noqa: E402
from codegen.preview import preview  # noqa: E402

COMMANDS = [
    "true",
    "ls -la",
    "find . -name '*.txt' | wc -l",
    "grep -rl needle . | sort",
    "tar czf out.tar.gz src && rm -rf build",
    "sleep 1",
]
TARGET_S = 0.5


def fixture(root: Path) -> None:
    for i in range(100):
        (root / "src" / f"d{i % 10}").mkdir(parents=True, exist_ok=True)
        (root / "src" / f"d{i % 10}" / f"f{i}.txt").write_text(("needle\n" if i % 7 == 0 else "hay\n") * 50)
        (root / "build").mkdir(exist_ok=True)
        (root / "build" / f"o{i}.o").write_text("obj\n")


def direct_seconds(command: str, root: Path) -> float:
    """`bash -c COMMAND` in a fresh copy of the fixture (commands that change the tree start alike)."""
    with tempfile.TemporaryDirectory() as copy:
        subprocess.run(["cp", "-a", f"{root}/.", copy], check=True)
        start = time.perf_counter()
        subprocess.run(["bash", "-c", command], cwd=copy, capture_output=True, check=False)
        return time.perf_counter() - start


def median_seconds(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        fixture(root)
        check = preview("true", root)
        if not check.run.ran:
            sys.exit(f"no sandbox on this machine: {check.run.reason}")
        env = os.environ | {"PYTHONPATH": str(HERE.parent)}
        for command in COMMANDS:
            own = statistics.median(direct_seconds(command, root) for _ in range(args.repeat))
            sandboxed = median_seconds(lambda command=command: preview(command, root), args.repeat)
            cli_argv = [sys.executable, "-m", "codegen", "preview", "--", command]
            cli = median_seconds(
                lambda argv=cli_argv: subprocess.run(
                    argv, cwd=root, env=env, capture_output=True, check=True
                ),
                max(3, args.repeat // 2),
            )
            rows.append(
                {
                    "command": command,
                    "direct_s": round(own, 4),
                    "preview_s": round(sandboxed, 4),
                    "overhead_s": round(sandboxed - own, 4),
                    "cli_process_s": round(cli, 4),
                }
            )
            print(
                f"{command:<42} direct {own:7.3f} s   preview {sandboxed:7.3f} s   "
                f"overhead {sandboxed - own:6.3f} s   CLI process {cli:6.3f} s"
            )
    worst = max(r["overhead_s"] for r in rows)
    print(f"worst overhead {worst:.3f} s (target ≤ {TARGET_S} s); load average at start {load:.2f}")
    result = {
        "rows": rows,
        "worst_overhead_s": worst,
        "target_s": TARGET_S,
        "repeat": args.repeat,
        "load_average": round(load, 2),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    atomic_write_text(HERE / "results" / "preview.json", json.dumps(result, indent=2) + "\n")
    print("wrote benchmarks/results/preview.json")


if __name__ == "__main__":
    main()
