"""Batch JSONL: read requests robustly (a bad line becomes an error Result), resume finished ids."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from codegen.docs.record import DSLS
from codegen.result import Result

MAX_LINE_BYTES = 1 << 20  # a request is at most 10,000 characters; anything this long is junk


@dataclass(slots=True)
class BatchItem:
    """A parsed input line: either a request or the error Result that replaces it."""

    id: str
    nl: str = ""
    lang: str | None = None
    error: Result | None = None


def _read_lines(fh: BinaryIO) -> Iterator[bytes | None]:
    """Lines without their newline; None for a line longer than MAX_LINE_BYTES (its rest is skipped)."""
    while True:
        line = fh.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while (rest := fh.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass
            yield None
            continue
        yield line.rstrip(b"\r\n")


def read_requests(fh: BinaryIO) -> Iterator[BatchItem]:
    for number, raw in enumerate(_read_lines(fh), 1):
        fallback = f"line-{number}"
        if raw is None:
            yield BatchItem(
                fallback, error=Result.error(fallback, "input", f"line {number} is longer than 1 MiB")
            )
            continue
        if not raw.strip():
            continue
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            yield BatchItem(
                fallback, error=Result.error(fallback, "input", f"line {number} is not valid UTF-8")
            )
            continue
        except ValueError as exc:
            yield BatchItem(
                fallback, error=Result.error(fallback, "input", f"line {number} is not JSON ({exc})")
            )
            continue
        yield _item(data, number, fallback)


def _item(data: object, number: int, fallback: str) -> BatchItem:
    if not isinstance(data, dict):
        return BatchItem(
            fallback, error=Result.error(fallback, "input", f"line {number} is not a JSON object")
        )
    raw_id = data.get("id")
    item_id = raw_id if isinstance(raw_id, str) and raw_id else fallback
    nl, lang = data.get("nl"), data.get("lang")
    if not isinstance(nl, str):
        return BatchItem(
            item_id, error=Result.error(item_id, "input", f"line {number}: 'nl' must be a string")
        )
    if lang in (None, "auto"):
        return BatchItem(item_id, nl=nl)
    if lang not in DSLS:
        message = f"line {number}: unknown lang {lang!r}; use one of {', '.join(DSLS)} or auto"
        return BatchItem(item_id, error=Result.error(item_id, "input", message))
    return BatchItem(item_id, nl=nl, lang=str(lang))


def finished_ids(path: Path) -> set[str]:
    """Ids already written to `path`. A torn last line (the previous run was killed mid-write) is cut
    off so appending continues from a clean line boundary."""
    if not path.exists():
        return set()
    done: set[str] = set()
    good_end = 0
    with open(path, "rb") as fh:
        for line in fh:
            if not line.endswith(b"\n"):
                break
            try:
                done.add(json.loads(line)["id"])
            except (ValueError, KeyError, TypeError):
                break
            good_end = fh.tell()
    if good_end != path.stat().st_size:
        with open(path, "r+b") as fh:
            fh.truncate(good_end)
    return done
