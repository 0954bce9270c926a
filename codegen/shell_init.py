"""`dslgen shell-init bash|zsh|fish`: a key binding that turns the request typed on the command line
into the generated command, left on the line for the user to read, edit and run.

Nothing runs by itself: the binding only rewrites the line buffer (readline's READLINE_LINE, zle's
BUFFER, fish's `commandline`). The line changes only when dslgen exits 0 with code on stdout, so a
request it cannot answer stays as typed; the reasons still reach the terminal on stderr.
"""

from __future__ import annotations

import re

from codegen.errors import InputError

SHELLS = ("bash", "zsh", "fish")
DEFAULT_KEY = "ctrl-g"

_BASH = r"""# dslgen: {key_name} turns the request typed on the command line into a command (nothing runs by itself)
__dslgen_line() {{
  local request="$READLINE_LINE" code
  [[ -n "${{request//[[:space:]]/}}" ]] || return 0
  if code="$(dslgen "$request" --lang bash </dev/null)" && [[ -n "$code" ]]; then
    READLINE_LINE="$code"
    READLINE_POINT=${{#READLINE_LINE}}
  fi
}}
bind -x '"{bash_key}": __dslgen_line'
"""

_ZSH = r"""# dslgen: {key_name} turns the request typed on the command line into a command (nothing runs by itself)
__dslgen_line() {{
  local request="$BUFFER" code
  [[ -n "${{request//[[:space:]]/}}" ]] || return 0
  zle -I
  if code="$(dslgen "$request" --lang bash </dev/null)" && [[ -n "$code" ]]; then
    BUFFER="$code"
    CURSOR=${{#BUFFER}}
  fi
  zle reset-prompt
}}
zle -N __dslgen_line
bindkey '{zsh_key}' __dslgen_line
"""

_FISH = r"""# dslgen: {key_name} turns the request typed on the command line into a command (nothing runs by itself)
function __dslgen_line
    set -l request (commandline)
    string match -qr '\S' -- $request; or return 0
    set -l code (dslgen "$request" --lang bash </dev/null | string collect)
    and test -n "$code"
    and commandline -r -- $code
    commandline -f repaint
end
bind {fish_key} __dslgen_line
"""

_TEMPLATES = {"bash": _BASH, "zsh": _ZSH, "fish": _FISH}


def snippet(shell: str, key: str = DEFAULT_KEY) -> str:
    """The shell code to `eval` in the shell's start-up file. `key`: ctrl-LETTER or alt-LETTER."""
    if shell not in _TEMPLATES:
        raise InputError(f"unknown shell {shell!r}; use {', '.join(SHELLS)}")
    match = re.fullmatch(r"(ctrl|alt)-([a-z])", key.strip().lower())
    if match is None:
        raise InputError(f"--key {key!r}: give ctrl-LETTER or alt-LETTER (e.g. ctrl-g, alt-e)")
    modifier, letter = match.groups()
    control = modifier == "ctrl"
    return _TEMPLATES[shell].format(
        key_name=f"{'Ctrl' if control else 'Alt'}-{letter.upper()}",
        bash_key=rf"\C-{letter}" if control else rf"\e{letter}",
        zsh_key=f"^{letter.upper()}" if control else rf"\e{letter}",
        fish_key=rf"\c{letter}" if control else rf"\e{letter}",
    )
