from __future__ import annotations

import json
from pathlib import Path

import pytest

from codegen.docs import index as index_module
from codegen.docs.index import DocIndex, build_index, merge_records, open_index
from codegen.docs.record import DocRecord, Example
from codegen.errors import IndexUnavailable
from codegen.splits import held_out, split_of
from tests.conftest import JsonlRecordSource


def test_round_trip_keeps_every_field(small_index: DocIndex, records_file: Path) -> None:
    originals = {f"{d['dsl']}:{d['name']}": d for d in map(json.loads, records_file.read_text().splitlines())}
    assert len(small_index) == len(originals)
    for rec in small_index.records():
        want = DocRecord.from_json(originals[rec.key])
        if held_out(rec.name):
            want.examples = []
        assert rec == want
    assert small_index.manifest["documents"] == {"ansible": 3, "bash": 5, "fortran": 4}


def test_rebuild_reparses_only_changed_units(tmp_path: Path, records_file: Path) -> None:
    root = tmp_path / "index"
    first = JsonlRecordSource(records_file)
    build_index([first], root, workers=1)
    assert first.loads == 12
    lines = records_file.read_text().splitlines()
    changed = json.loads(lines[0])
    changed["summary"] = "search for files, changed"
    lines[0] = json.dumps(changed)
    records_file.write_text("\n".join(lines) + "\n")
    second = JsonlRecordSource(records_file)
    report = build_index([second], root, workers=1)
    assert second.loads == 1 and report.reparsed == 1
    index = open_index(root)
    assert index is not None
    pos = index.position("bash", "find")
    assert pos is not None and index.record(pos).summary == "search for files, changed"
    # the superseded build is gone; only the published one remains
    assert len([p for p in (root / "builds").iterdir()]) == 1


def test_force_rebuild_reparses_everything(tmp_path: Path, records_file: Path) -> None:
    root = tmp_path / "index"
    build_index([JsonlRecordSource(records_file)], root, workers=1)
    again = JsonlRecordSource(records_file)
    build_index([again], root, workers=1, reuse=False)
    assert again.loads == 12


def test_units_of_older_parsers_are_parsed_again(
    tmp_path: Path, records_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "index"
    build_index([JsonlRecordSource(records_file)], root, workers=1)
    monkeypatch.setattr(index_module, "PARSERS", index_module.PARSERS + 1)
    again = JsonlRecordSource(records_file)
    build_index([again], root, workers=1)
    assert again.loads == 12
    reused = JsonlRecordSource(records_file)
    build_index([reused], root, workers=1)
    assert reused.loads == 0


def test_parallel_build_matches_serial(tmp_path: Path, records_file: Path) -> None:
    lines = records_file.read_text().splitlines()
    many = [
        json.dumps(json.loads(ln) | {"name": f"{json.loads(ln)['name']}{i}"})
        for i in range(3)
        for ln in lines
    ]
    records_file.write_text("\n".join(many) + "\n")
    build_index([JsonlRecordSource(records_file)], tmp_path / "a", workers=1)
    build_index([JsonlRecordSource(records_file)], tmp_path / "b", workers=2)
    a, b = open_index(tmp_path / "a"), open_index(tmp_path / "b")
    assert a is not None and b is not None
    assert list(a.records()) == list(b.records())


def test_merge_prefers_first_schema_and_collects_examples() -> None:
    man = DocRecord("bash", "tar", "an archiving utility", "GNU tar saves files", schema={"options": [1]})
    tldr = DocRecord(
        "bash", "tar", "Archiving utility.", "", examples=[Example("Create an archive", "tar cf a.tar f")]
    )
    (merged,) = merge_records([man, tldr])
    assert merged.schema == {"options": [1]} and merged.summary == "an archiving utility"
    assert merged.examples == ([] if held_out("tar") else tldr.examples)


def test_merge_drops_examples_of_held_out_names() -> None:
    name = next(f"cmd{i}" for i in range(1000) if split_of(f"cmd{i}") == "dev")
    rec = DocRecord("bash", name, "s", "t", examples=[Example("do it", f"{name} -x")])
    (merged,) = merge_records([rec])
    assert merged.examples == []


def test_missing_index_is_none(tmp_path: Path) -> None:
    assert open_index(tmp_path / "nothing") is None


@pytest.mark.parametrize("damage", ["truncate_records", "drop_meta", "garble_manifest", "dangling_link"])
def test_corrupt_index_is_reported_not_crashed(small_index: DocIndex, damage: str) -> None:
    build = small_index.path
    root = build.parent.parent
    small_index.close()
    if damage == "truncate_records":
        data = (build / "records.jsonl").read_bytes()
        (build / "records.jsonl").write_bytes(data[: len(data) // 2])
    elif damage == "drop_meta":
        (build / "meta.json").unlink()
    elif damage == "garble_manifest":
        (build / "manifest.json").write_text("{not json")
    else:
        import shutil

        shutil.rmtree(build)
    with pytest.raises(IndexUnavailable, match="rebuild it with `dslgen index build --force`"):
        open_index(root)


def test_failed_build_leaves_published_index_intact(tmp_path: Path, records_file: Path) -> None:
    root = tmp_path / "index"
    build_index([JsonlRecordSource(records_file)], root, workers=1)
    before = open_index(root)
    assert before is not None
    records_file.write_text("")  # a source that yields nothing cannot replace a good index
    with pytest.raises(IndexUnavailable):
        build_index([JsonlRecordSource(records_file)], root, workers=1)
    after = open_index(root)
    assert after is not None and after.path == before.path and len(after) == 12
    assert not [p for p in (root / "builds").iterdir() if p.name.endswith(".partial")]
