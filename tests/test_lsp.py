"""The language server end to end over stdio, with a real LSP client (pytest-lsp) and a tiny model."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig

from codegen.lsp import intent_at, language_of, placed_code


def test_intent_from_each_kind_of_line() -> None:
    assert intent_at("ansible", "    - name: restart nginx", 3).text == "restart nginx"
    assert intent_at("ansible", "    - name: restart nginx", 3).indent == "    "
    assert intent_at("bash", "  # find big files in /var", 0).text == "find big files in /var"
    assert intent_at("bash", "#!/bin/bash", 0) is None
    assert intent_at("fortran", "  ! sum the array", 1).text == "sum the array"
    assert intent_at("fortran", "!$omp parallel do", 1) is None
    assert intent_at("ansible", "    state: started", 1) is None
    assert language_of("file:///x/site.yml", None) == "ansible"
    assert language_of("file:///x/a.f90", "fortran90") == "fortran"
    assert language_of("file:///x/notes.txt", "plaintext") is None


def test_generated_task_keeps_the_users_name_and_indent() -> None:
    intent = intent_at("ansible", "    - name: restart nginx", 2)
    assert intent is not None
    placed = placed_code(intent, "- name: Restart a service\n  ansible.builtin.service:\n    name: nginx\n")
    assert placed == "    - name: restart nginx\n      ansible.builtin.service:\n        name: nginx\n"


async def start(home: Path, model: Path):
    env = os.environ | {"DSLGEN_HOME": str(home)}
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "codegen", "serve-lsp", "--model", str(model)], server_env=env
    )
    client = await config.start()
    await client.initialize_session(
        lsp.InitializeParams(capabilities=lsp.ClientCapabilities(), process_id=os.getpid())
    )
    return client


@pytest.mark.asyncio
async def test_code_action_on_a_name_line_gives_valid_yaml_with_a_real_module(
    dslgen_home: Path, tiny_model_dir: Path
) -> None:
    client = await start(dslgen_home, tiny_model_dir)
    try:
        uri = "file:///project/site.yml"
        text = "- hosts: web\n  tasks:\n    - name: create a user named deploy\n"
        client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                lsp.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)
            )
        )
        actions = await client.text_document_code_action_async(
            lsp.CodeActionParams(
                text_document=lsp.TextDocumentIdentifier(uri),
                range=lsp.Range(lsp.Position(2, 4), lsp.Position(2, 4)),
                context=lsp.CodeActionContext(diagnostics=[]),
            )
        )
        assert actions, "no code action offered on a `- name:` line"
        (edit,) = actions[0].edit.changes[uri]
        lines = text.splitlines(keepends=True)
        new = "".join(lines[: edit.range.start.line]) + edit.new_text + "".join(lines[edit.range.end.line :])
        play = yaml.safe_load(new)
        task = play[0]["tasks"][0]
        assert task["name"] == "create a user named deploy"
        documented = {n for m in ("user", "apt", "service") for n in (m, f"ansible.builtin.{m}")}
        keywords = {"name", "become", "when", "register", "loop", "notify", "tags", "vars", "ignore_errors"}
        assert next(k for k in task if k not in keywords) in documented
        # an unknown file type and a line without intent: no action, no crash
        other = "file:///project/notes.txt"
        client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                lsp.TextDocumentItem(uri=other, language_id="plaintext", version=1, text="hi")
            )
        )
        none = await client.text_document_code_action_async(
            lsp.CodeActionParams(
                text_document=lsp.TextDocumentIdentifier(other),
                range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)),
                context=lsp.CodeActionContext(diagnostics=[]),
            )
        )
        assert none is None
    finally:
        await client.shutdown_session()


@pytest.mark.asyncio
async def test_diagnostics_on_open_and_malformed_messages(dslgen_home: Path, tiny_model_dir: Path) -> None:
    client = await start(dslgen_home, tiny_model_dir)
    try:
        uri = "file:///project/run.sh"
        client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                lsp.TextDocumentItem(
                    uri=uri, language_id="shellscript", version=1, text="if [ -f x ]; then\n  echo hi\n"
                )
            )
        )
        await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        assert any(d.severity == lsp.DiagnosticSeverity.Error for d in client.diagnostics[uri])
        # a request about a document the server never saw, then a malformed one: the server lives on
        missing = await client.text_document_code_action_async(
            lsp.CodeActionParams(
                text_document=lsp.TextDocumentIdentifier("file:///nowhere.yml"),
                range=lsp.Range(lsp.Position(5, 0), lsp.Position(5, 0)),
                context=lsp.CodeActionContext(diagnostics=[]),
            )
        )
        assert missing is None
        hover_ok = await client.text_document_code_action_async(
            lsp.CodeActionParams(
                text_document=lsp.TextDocumentIdentifier(uri),
                range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)),
                context=lsp.CodeActionContext(diagnostics=[]),
            )
        )
        assert hover_ok is None  # `if …` is no comment: nothing to generate, and the server still answers
    finally:
        await client.shutdown_session()


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def test_malformed_messages_do_not_kill_the_server(dslgen_home: Path, tiny_model_dir: Path) -> None:
    """Raw frames on stdin: junk JSON, a request with nonsense params, an unknown method; then a
    well-formed initialize must still be answered."""
    import json
    import subprocess

    env = os.environ | {"DSLGEN_HOME": str(dslgen_home)}
    messages = [
        b"{this is not json",
        json.dumps(
            {"jsonrpc": "2.0", "id": 1, "method": "textDocument/codeAction", "params": {"textDocument": 5}}
        ).encode(),
        json.dumps({"jsonrpc": "2.0", "id": 2, "method": "dslgen/unknown", "params": {}}).encode(),
        json.dumps(
            {"jsonrpc": "2.0", "id": 3, "method": "initialize", "params": {"capabilities": {}}}
        ).encode(),
        json.dumps({"jsonrpc": "2.0", "id": 4, "method": "shutdown"}).encode(),
        json.dumps({"jsonrpc": "2.0", "method": "exit"}).encode(),
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "codegen", "serve-lsp", "--model", str(tiny_model_dir)],
        input=b"".join(frame(m) for m in messages),
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    replies = [
        json.loads(part.split(b"\r\n\r\n", 1)[1]) for part in proc.stdout.split(b"Content-Length: ")[1:]
    ]
    by_id = {r["id"]: r for r in replies if "id" in r}
    shown = [r["params"]["message"] for r in replies if r.get("method") == "window/showMessage"]
    # junk and bad params are reported to the editor; the unknown method gets a JSON-RPC error
    assert len(shown) == 2 and "Invalid Params" in shown[1]
    assert by_id[2]["error"]["code"] == -32601
    assert by_id[3]["result"]["capabilities"]["codeActionProvider"]
    assert by_id[4]["result"] is None and proc.returncode == 0


@pytest.mark.asyncio
async def test_bash_code_action_offers_a_sandboxed_preview(
    dslgen_home: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    from codegen.safety.sandbox import Limits, run_sandboxed

    probe = run_sandboxed("true", Path("/"), Limits(seconds=5))
    if not probe.ran:
        pytest.skip(f"no sandbox on this machine: {probe.reason}")
    client = await start(dslgen_home, tiny_model_dir)
    try:
        (tmp_path / "keep.txt").write_text("keep\n")
        uri = (tmp_path / "clean.sh").as_uri()
        text = "#!/bin/bash\n# find files larger than 100 MB\n"
        client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                lsp.TextDocumentItem(uri=uri, language_id="shellscript", version=1, text=text)
            )
        )
        actions = await client.text_document_code_action_async(
            lsp.CodeActionParams(
                text_document=lsp.TextDocumentIdentifier(uri),
                range=lsp.Range(lsp.Position(1, 2), lsp.Position(1, 2)),
                context=lsp.CodeActionContext(diagnostics=[]),
            )
        )
        # a client may read an action that only runs a command as a plain Command
        commands = [a if isinstance(a, lsp.Command) else a.command for a in actions or []]
        previews = [c for c in commands if c is not None and c.command == "dslgen.preview"]
        assert len(previews) == 1
        code, folder = previews[0].arguments
        assert folder == str(tmp_path)
        # run a command of our own through it: what it shows must come from the sandbox
        shown = await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="dslgen.preview", arguments=["rm keep.txt && echo gone", folder])
        )
        assert shown["sandbox"]["ran"] and shown["sandbox"]["stdout"] == "gone\n"
        assert shown["sandbox"]["changes"]["deleted"] == [str(tmp_path / "keep.txt")]
        assert (tmp_path / "keep.txt").read_text() == "keep\n"
        assert code
    finally:
        await client.shutdown_session()
