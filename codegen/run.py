"""`dslgen ... --run`: run a generated Bash command only after the user has seen it and agreed.

Rules (nothing runs otherwise):
- On a terminal the command is shown and the user confirms with `y` (default: no). A command the
  safety check marks risky is shown with its reasons and runs only if the user types `yes` in full.
- Without a terminal there is nobody to ask: the command runs only with `yes=True` (--yes), and a
  risky one only with `yes=True` and `allow_risky=True` (--allow-risky) together.
- `yes=True` on a terminal stands for the `y` answer; a risky command still needs the typed `yes`
  unless `allow_risky=True` is given as well.

The caller passes the streams to talk to the user on, so the CLI can hand in its console's streams
and tests a pseudo-terminal. The command runs as `bash -c COMMAND` with the user's environment and
the caller's standard streams.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from typing import TextIO

from codegen.safety import Verdict, assess


@dataclass(frozen=True, slots=True)
class RunOutcome:
    ran: bool
    exit_code: int | None = None  # the command's exit status, when it ran
    reason: str = ""  # why it did not run


def run_confirmed(
    command: str,
    *,
    prompt_in: TextIO,
    prompt_out: TextIO,
    interactive: bool | None = None,
    yes: bool = False,
    allow_risky: bool = False,
    verdict: Verdict | None = None,
) -> RunOutcome:
    """Show `command` on `prompt_out`, get confirmation on `prompt_in` as the rules above say, run it.

    interactive: whether a person is at `prompt_in`/`prompt_out`; None asks the streams (isatty).
    verdict: the safety verdict if the caller already has it (else it is computed here).
    """
    if not command.strip():
        return RunOutcome(False, reason="there is no command to run")
    verdict = verdict if verdict is not None else assess(command)
    if interactive is None:
        interactive = _is_terminal(prompt_in) and _is_terminal(prompt_out)

    _show(command, verdict, prompt_out)
    if verdict.risky:
        if yes and allow_risky:
            confirmed = True
        elif interactive:
            answer = _ask("This command is risky. Type 'yes' to run it: ", prompt_in, prompt_out)
            confirmed = answer == "yes"
        else:
            return RunOutcome(
                False,
                reason="not run: the command is risky; without a terminal it runs only "
                "with both --yes and --allow-risky",
            )
    elif yes:
        confirmed = True
    elif interactive:
        confirmed = _ask("Run it? [y/N] ", prompt_in, prompt_out).lower() in ("y", "yes")
    else:
        return RunOutcome(False, reason="not run: no terminal to confirm on; pass --yes to run it anyway")
    if not confirmed:
        return RunOutcome(False, reason="not run: not confirmed")

    bash = shutil.which("bash")
    if bash is None:
        return RunOutcome(False, reason="not run: bash is not installed")
    completed = subprocess.run([bash, "-c", command], check=False)
    return RunOutcome(True, exit_code=completed.returncode)


def _show(command: str, verdict: Verdict, out: TextIO) -> None:
    lines = ["Command to run:", *(f"    {line}" for line in command.splitlines())]
    if verdict.risky:
        lines.append("Warning: this command looks destructive or risky:")
        lines += [f"  - {reason}" for reason in verdict.reasons]
    out.write("\n".join(lines) + "\n")
    out.flush()


def _ask(question: str, prompt_in: TextIO, prompt_out: TextIO) -> str:
    prompt_out.write(question)
    prompt_out.flush()
    try:
        answer = prompt_in.readline()
    except (KeyboardInterrupt, OSError, ValueError):  # Ctrl-C, a closed or broken stream: that is a no
        answer = ""
    if not answer.endswith("\n"):  # end of input: finish the prompt line
        prompt_out.write("\n")
        prompt_out.flush()
    return answer.strip()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
