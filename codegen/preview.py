"""See before you run: a Bash command's sandboxed run and its risk verdict, as a value and as lines.

`preview` runs the command once in a throwaway sandbox (codegen/safety/sandbox.py) and judges it with
the safety rules; the rules still matter when the sandbox shows nothing alarming (a command that only
does harm on another machine, or after the time limit) and when the machine cannot make a sandbox.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.safety import Verdict, assess
from codegen.safety.sandbox import Limits, SandboxRun, run_sandboxed

HEAD_LINES = 10
LISTED_PATHS = 5


@dataclass(frozen=True, slots=True)
class Preview:
    command: str
    cwd: str
    run: SandboxRun
    verdict: Verdict
    limits: Limits

    def to_json(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "cwd": self.cwd,
            "sandbox": self.run.to_json(),
            "risky": self.verdict.risky,
            "risk_reasons": list(self.verdict.reasons),
        }


def preview(command: str, cwd: Path | None = None, limits: Limits | None = None) -> Preview:
    limits = limits or Limits()
    workdir = (cwd or Path.cwd()).resolve()
    run = run_sandboxed(command, workdir, limits) if command.strip() else SandboxRun(False, "no command")
    return Preview(command, str(workdir), run, assess(command), limits)


def describe(p: Preview) -> list[str]:
    """The preview as plain lines for a terminal."""
    lines = [f"preview of: {p.command}"]
    run = p.run
    if not run.ran:
        lines.append(f"not run: {run.reason}")
    else:
        lines.append(
            f"ran in a sandbox (no network, files copy-on-write) for {run.seconds:.2f} s: {_status(p)}"
        )
        for name, text, total in (
            ("stdout", run.stdout, run.stdout_bytes),
            ("stderr", run.stderr, run.stderr_bytes),
        ):
            lines += _head(name, text, total)
        counts = run.changes.counts
        if run.changes.any:
            lines.append(
                f"files: {counts['created']} created, {counts['modified']} modified, {counts['deleted']} deleted"
            )
            for kind in ("created", "modified", "deleted"):
                paths = getattr(run.changes, kind)
                if paths:
                    shown = ", ".join(_relative(path, p.cwd) for path in paths[:LISTED_PATHS])
                    more = counts[kind] - min(len(paths), LISTED_PATHS)
                    lines.append(f"  {kind}: {shown}" + (f" and {more} more" if more > 0 else ""))
        else:
            lines.append("files: none created, modified or deleted")
    if p.verdict.risky:
        lines.append("risk: RISKY")
        lines += [f"  - {reason}" for reason in p.verdict.reasons]
    else:
        lines.append("risk: not flagged by the safety rules")
    return lines


def _status(p: Preview) -> str:
    run = p.run
    notes = []
    if run.timed_out:
        notes.append(f"stopped at the time limit ({p.limits.seconds:g} s)")
    if run.output_cut:
        notes.append(f"stopped: output over {p.limits.output_bytes // 1024} KiB")
    if run.process_limit_hit:
        notes.append(f"hit the process limit ({p.limits.processes})")
    if run.memory_limit_hit:
        notes.append(f"hit the memory limit ({p.limits.memory_mb} MB)")
    if run.exit_code is not None:
        notes.insert(0, f"exit status {run.exit_code}")
    return "; ".join(notes)


def _head(name: str, text: str, total: int) -> list[str]:
    if not total:
        return [f"{name}: (empty)"]
    lines = text.splitlines()
    head = lines[:HEAD_LINES]
    summary = (
        f"{name} ({total} bytes" + (f", first {len(head)} lines" if len(lines) > len(head) else "") + "):"
    )
    return [summary, *(f"    {line}" for line in head)]


def _relative(path: str, cwd: str) -> str:
    if path.rstrip("/") == cwd:
        return "./"
    if path.startswith(cwd + os.sep):
        return path[len(cwd) + 1 :]
    return path
