"""`dslgen shell-init`: in a real bash, zsh and fish under a pseudo-terminal, the key turns the typed
request into the generated command on the line, and nothing is executed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from codegen.errors import InputError
from codegen.shell_init import snippet

ROOT = Path(__file__).resolve().parents[1]
# a shipped model, not the random test model: the binding changes the line only for valid code, which
# a random model rarely writes; the test compares with the same model's direct answer. The small
# numpy one: the default model is assembled from a registry wheel on first use
SHIPPED_MODEL = ROOT / "models" / "dslgen-7m"
REQUEST = "find files larger than 100 MB"
PROMPT = "READY> "
# each shell started without the user's start-up files, with a fixed prompt and the snippet loaded
SHELLS = {
    "bash": (["bash", "--norc", "--noprofile", "-i"], f"PS1='{PROMPT}'", 'eval "$(dslgen shell-init bash)"'),
    "zsh": (["zsh", "-f", "-i"], f"PROMPT='{PROMPT}'", 'eval "$(dslgen shell-init zsh)"'),
    "fish": (
        ["fish", "--no-config", "-i"],
        f"function fish_prompt; echo -n '{PROMPT}'; end",
        "dslgen shell-init fish | source",
    ),
}


def _env(home: Path, model: Path, bin_dir: Path) -> dict[str, str]:
    # `dslgen` on PATH runs this checkout with the fixture index and the tiny model
    return os.environ | {
        "DSLGEN_HOME": str(home),
        "DSLGEN_MODEL": str(model),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "TERM": "dumb",
    }


@pytest.fixture
def dslgen_bin(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "dslgen"
    launcher.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m codegen "$@"\n')
    launcher.chmod(0o755)
    return bin_dir


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_the_key_replaces_the_request_with_the_command_and_runs_nothing(
    shell: str, dslgen_home: Path, dslgen_bin: Path, tmp_path: Path
) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    argv, set_prompt, load = SHELLS[shell]
    env = _env(dslgen_home, SHIPPED_MODEL, dslgen_bin)
    expected = subprocess.run(
        ["dslgen", REQUEST, "--lang", "bash"], capture_output=True, text=True, env=env, timeout=120
    )
    assert expected.returncode == 0 and expected.stdout.strip(), expected.stderr
    command = expected.stdout.strip()
    workdir = tmp_path / "work"
    workdir.mkdir()

    term = pexpect.spawn(argv[0], argv[1:], env=env, cwd=workdir, encoding="utf-8", timeout=120)
    try:
        term.sendline(set_prompt)
        term.sendline(load)
        term.sendline("echo loaded-(math 40+2)" if shell == "fish" else "echo loaded-$((40+2))")
        term.expect("loaded-42")
        term.expect_exact(PROMPT)
        term.send(REQUEST)
        term.send("\x07")  # Ctrl-G
        term.expect_exact(command)
        # the command is on the line, not run: append a marker comment, then read the line back through
        # the shell's own history once Enter is pressed on a harmless prefix
        term.send(" # left-on-the-line")
        term.expect_exact("# left-on-the-line")
        before_enter = term.before or ""
        assert "command not found" not in before_enter
        term.sendcontrol("c")  # abandon the line: nothing is executed
        term.expect_exact(PROMPT)
        term.sendline("echo still-here-(math 1+1)" if shell == "fish" else "echo still-here-$((1+1))")
        term.expect("still-here-2")
    finally:
        term.close(force=True)
    assert list(workdir.iterdir()) == []  # nothing the command could have written


def test_an_unanswerable_request_leaves_the_line_as_typed(dslgen_home: Path, dslgen_bin: Path) -> None:
    env = _env(dslgen_home, Path("/nonexistent-model"), dslgen_bin)
    term = pexpect.spawn("bash", ["--norc", "--noprofile", "-i"], env=env, encoding="utf-8", timeout=120)
    try:
        term.sendline(f"PS1='{PROMPT}'")
        term.sendline('eval "$(dslgen shell-init bash)"')
        term.sendline("echo loaded-$((40+2))")
        term.expect("loaded-42")
        term.expect_exact(PROMPT)
        term.send("typed request stays")
        term.send("\x07")
        term.expect("no such model directory|could not be loaded|not a Hugging Face model")
        term.send(" end")
        term.expect_exact("typed request stays end")
    finally:
        term.close(force=True)


@pytest.mark.parametrize(
    ("key", "bash", "zsh", "fish"), [("ctrl-g", r"\C-g", "^G", r"\cg"), ("alt-e", r"\ee", r"\ee", r"\ee")]
)
def test_the_key_is_spelled_for_each_shell(key: str, bash: str, zsh: str, fish: str) -> None:
    assert f"bind -x '\"{bash}\": __dslgen_line'" in snippet("bash", key)
    assert f"bindkey '{zsh}' __dslgen_line" in snippet("zsh", key)
    assert f"bind {fish} __dslgen_line" in snippet("fish", key)


@pytest.mark.parametrize(("shell", "key"), [("tcsh", "ctrl-g"), ("bash", "F5"), ("zsh", "ctrl-gg")])
def test_unknown_shells_and_keys_are_input_errors(shell: str, key: str) -> None:
    with pytest.raises(InputError):
        snippet(shell, key)
