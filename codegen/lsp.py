"""Editor integration: a Language Server (pygls, stdio) for playbooks, shell scripts and Fortran.

- Code action and inline completion generate from the current line's intent: `- name: restart nginx`
  in YAML, a `# …` comment in a shell script, a `! …` comment in Fortran. The code is indented like
  the line it comes from; a task's name stays the one the user wrote.
- Diagnostics from the validators when a file is opened or saved.
The generator (index + model) loads in a background thread after `initialized`, so the server
answers `initialize` at once; a request that comes before it is ready waits for it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from codegen import __version__

log = logging.getLogger(__name__)

LANG_BY_ID = {"yaml": "ansible", "ansible": "ansible", "shellscript": "bash", "sh": "bash", "bash": "bash"}
LANG_BY_SUFFIX = {
    ".yml": "ansible", ".yaml": "ansible", ".sh": "bash", ".bash": "bash",
    ".f90": "fortran", ".f95": "fortran", ".f03": "fortran", ".f08": "fortran", ".f": "fortran", ".F90": "fortran",
}  # fmt: skip
_NAME_LINE = re.compile(r"^(?P<indent>\s*)- name:\s*(?P<intent>\S.*?)\s*$")
_SHELL_COMMENT = re.compile(r"^(?P<indent>\s*)#\s*(?P<intent>[^!\s].*?)\s*$")
_FORTRAN_COMMENT = re.compile(r"^(?P<indent>\s*)!\s*(?P<intent>[^$\s].*?)\s*$")  # not `!$omp`
GENERATION_WAIT_S = 120.0
# an editor waits for the answer: a task body or a command fits well within this, and it bounds the
# latency of a model that does not stop on its own
EDITOR_MAX_NEW_TOKENS = 128
PREVIEW_COMMAND = "dslgen.preview"


def _folder_of(uri: str) -> str:
    """The directory of a file: URI, where a preview runs (the server's own directory otherwise)."""
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return str(Path(unquote(parsed.path)).parent)
    return str(Path.cwd())


@dataclass(slots=True)
class Intent:
    lang: str
    text: str  # what the user asked for
    indent: str
    line: int
    replace_line: bool  # Ansible: the generated task replaces the `- name:` line


def language_of(uri: str, language_id: str | None) -> str | None:
    if language_id and language_id.lower() in LANG_BY_ID:
        return LANG_BY_ID[language_id.lower()]
    if language_id and language_id.lower().startswith("fortran"):
        return "fortran"
    for suffix, lang in LANG_BY_SUFFIX.items():
        if uri.endswith(suffix):
            return lang
    return None


def intent_at(lang: str, line_text: str, line: int) -> Intent | None:
    pattern = {"ansible": _NAME_LINE, "bash": _SHELL_COMMENT, "fortran": _FORTRAN_COMMENT}[lang]
    m = pattern.match(line_text)
    if m is None or len(m["intent"]) < 3:
        return None
    intent = m["intent"].strip("'\"")
    return Intent(lang, intent, m["indent"], line, replace_line=lang == "ansible")


def placed_code(intent: Intent, code: str) -> str:
    """The generated code as it goes into the file: the user's task name kept, indented like the
    intent line. For comments the code goes on the lines below."""
    lines = code.rstrip("\n").splitlines()
    if intent.lang == "ansible":
        lines = [ln for ln in lines if ln.strip() != "---"]
        if lines and lines[0].lstrip().startswith("- name:"):
            lines[0] = f"- name: {intent.text}"
        else:  # a task without a name: give it the user's
            lines = [
                f"- name: {intent.text}",
                *(f"  {ln.lstrip('- ')}" if i == 0 else ln for i, ln in enumerate(lines)),
            ]
    return "\n".join(intent.indent + ln if ln else ln for ln in lines) + "\n"


def edit_for(intent: Intent, code: str) -> lsp.TextEdit:
    text = placed_code(intent, code)
    if intent.replace_line:
        rng = lsp.Range(lsp.Position(intent.line, 0), lsp.Position(intent.line + 1, 0))
    else:
        rng = lsp.Range(lsp.Position(intent.line + 1, 0), lsp.Position(intent.line + 1, 0))
    return lsp.TextEdit(range=rng, new_text=text)


class DslgenServer(LanguageServer):
    def __init__(self, load_generator: Callable[[], Any]) -> None:
        super().__init__("dslgen", __version__)
        self._load_generator = load_generator
        self._generator: Any = None
        self._load_error: str | None = None
        self._ready = threading.Event()

    def start_loading(self) -> None:
        def load() -> None:
            try:
                self._generator = self._load_generator()
            except Exception as exc:  # reported to the client on each request, never a crash
                self._load_error = f"{type(exc).__name__}: {exc}"
                log.exception("dslgen could not load")
            finally:
                self._ready.set()

        threading.Thread(target=load, name="dslgen-load", daemon=True).start()

    def wait_loaded(self) -> None:
        self._ready.wait(GENERATION_WAIT_S)

    def generator(self) -> Any:
        if not self._ready.wait(GENERATION_WAIT_S):
            raise RuntimeError("dslgen is still loading the index and model")
        if self._load_error is not None:
            raise RuntimeError(f"dslgen could not load: {self._load_error}")
        return self._generator

    def generate(self, intent: Intent) -> Any:
        return self.generator().generate(intent.text, intent.lang, max_new_tokens=EDITOR_MAX_NEW_TOKENS)


def create_server(load_generator: Callable[[], Any]) -> DslgenServer:
    server = DslgenServer(load_generator)

    def intent_of(uri: str, line: int) -> Intent | None:
        doc = server.workspace.get_text_document(uri)
        lang = language_of(uri, doc.language_id)
        lines = doc.lines
        if lang is None or not 0 <= line < len(lines):
            return None
        return intent_at(lang, lines[line].rstrip("\r\n"), line)

    @server.feature(lsp.INITIALIZED)
    def initialized(ls: DslgenServer, params: lsp.InitializedParams) -> None:
        ls.start_loading()

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.RefactorRewrite]),
    )
    def code_action(
        ls: DslgenServer, params: lsp.CodeActionParams
    ) -> list[lsp.CodeAction | lsp.Command] | None:
        try:
            intent = intent_of(params.text_document.uri, params.range.start.line)
            if intent is None:
                return None
            result = ls.generate(intent)
        except Exception as exc:
            ls.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Error, f"dslgen: {exc}"))
            return None
        if not result.code:
            return None
        title = f"dslgen: generate {intent.lang} for “{intent.text}”" + (
            "" if result.valid else " (not valid)"
        )
        edit = lsp.WorkspaceEdit(changes={params.text_document.uri: [edit_for(intent, result.code)]})
        actions: list[lsp.CodeAction | lsp.Command] = [
            lsp.CodeAction(title=title, kind=lsp.CodeActionKind.RefactorRewrite, edit=edit)
        ]
        if intent.lang == "bash":
            # the same sandboxed preview as `dslgen --preview`, run only when the user picks it
            folder = _folder_of(params.text_document.uri)
            shown = result.code if len(result.code) <= 60 else result.code[:57] + "..."
            preview = lsp.Command(
                title=f"dslgen: preview in a sandbox: {shown}",
                command=PREVIEW_COMMAND,
                arguments=[result.code, folder],
            )
            # a bare Command: as a CodeAction holding only a command, clients may misread it as one
            actions.append(preview)
        return actions

    @server.command(PREVIEW_COMMAND)
    def preview_command(ls: DslgenServer, command: Any, folder: Any) -> dict[str, Any] | None:
        """Run the command in a sandbox and show what it did; the preview as JSON is the result."""
        from codegen.preview import describe, preview

        if not isinstance(command, str) or not isinstance(folder, str):
            ls.window_show_message(
                lsp.ShowMessageParams(lsp.MessageType.Error, "dslgen: preview needs [command, folder]")
            )
            return None
        shown = preview(command, Path(folder) if Path(folder).is_dir() else None)
        ls.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Info, "\n".join(describe(shown))))
        return shown.to_json()

    @server.feature(lsp.TEXT_DOCUMENT_INLINE_COMPLETION)
    def inline_completion(
        ls: DslgenServer, params: lsp.InlineCompletionParams
    ) -> lsp.InlineCompletionList | None:
        try:
            intent = intent_of(params.text_document.uri, params.position.line)
            if intent is None:
                return None
            result = ls.generate(intent)
        except Exception as exc:
            log.warning("inline completion failed: %s", exc)
            return None
        if not result.code:
            return None
        edit = edit_for(intent, result.code)
        return lsp.InlineCompletionList(
            items=[lsp.InlineCompletionItem(insert_text=edit.new_text, range=edit.range)]
        )

    def publish(ls: DslgenServer, uri: str) -> None:
        try:
            doc = ls.workspace.get_text_document(uri)
            lang = language_of(uri, doc.language_id)
            if lang is None:
                return
            # after loading: the validators import ansible, which must come after torch (load_model)
            ls.wait_loaded()
            from codegen.validate import validate

            checked = validate(lang, doc.source)
        except Exception as exc:
            log.warning("validation failed for %s: %s", uri, exc)
            return
        diags = [
            lsp.Diagnostic(
                range=lsp.Range(
                    lsp.Position(max((d.line or 1) - 1, 0), 0), lsp.Position(max((d.line or 1) - 1, 0), 1000)
                ),
                message=d.message,
                severity=lsp.DiagnosticSeverity.Error
                if d.severity == "error"
                else lsp.DiagnosticSeverity.Warning,
                source=f"dslgen/{d.tool}",
            )
            for d in [*checked.errors, *checked.warnings]
        ]
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diags))

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: DslgenServer, params: lsp.DidOpenTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: DslgenServer, params: lsp.DidSaveTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    return server
