"""The on-disk documentation index: records from every source, merged, plus a BM25 index over them.

Layout under `$DSLGEN_HOME/index-v{FORMAT}/`:

    config.json            user additions (`dslgen index add PATH`)
    current -> builds/ID   symlink swapped atomically when a build completes
    builds/ID/
      manifest.json        format, stamp, sources, counts, per-unit fingerprints, build seconds
      units.jsonl.gz       per-unit parsed records: the cache that makes rebuilds incremental
      records.jsonl        merged records, one JSON per line; offsets.npy gives each line's byte offset
      meta.json            dsl/name/summary/prior/program per record (all a query needs before fetching
                           records)
      langid.npz           the request-phrasing language classifier (codegen/langid.py)
      bm25-full/           bm25s index + vocabulary over name, summary, body and option text
      bm25-short/          the same over name, aliases and summary only
      dense-*.npy          with the `dense` extra: each document's embedding (codegen/docs/vectors.py)

A build writes a fresh `builds/ID` and only then repoints `current`, so a crash or a concurrent
reader never sees a half-written index. Records are fetched by offset, so loading stays fast no matter
how many documents there are.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from codegen.atomic import atomic_write_text
from codegen.docs.exemplars import Exemplar, ExemplarTable, default_exemplars, read_exemplars, write_exemplars
from codegen.docs.record import DSLS, DocRecord
from codegen.docs.search_text import FIELDS, make_bm25_tokenizer
from codegen.docs.source import Source, SourceError, Unit
from codegen.docs.tldr_usage import program
from codegen.docs.vectors import document_text, read_vectors, write_vectors
from codegen.embedding import Encoder
from codegen.errors import IndexUnavailable, InputError
from codegen.langid import LanguageModel
from codegen.paths import home
from codegen.splits import held_out

FORMAT = 5  # 4: each document's program in meta.json; 5: the example memory (codegen/docs/exemplars.py)
# Bump when a documentation parser's output changes (flag extraction, man page names): the index stamp
# changes, so the index rebuilds, and no unit parsed by the older parsers is reused.
PARSERS = 5  # 4: tldr pages' invocations and example flags; 5: Ansible required_by (docs/ansible.py)
Progress = Callable[[str, int, int], None]  # (stage, done, total)


def index_root() -> Path:
    """This profile's index directory (codegen.docs.profile)."""
    from codegen.docs.profile import EVALUATION, index_profile

    suffix = "-evaluation" if index_profile() == EVALUATION else ""
    return home() / f"index-v{FORMAT}{suffix}"


@dataclass
class IndexConfig:
    """What the user added to the index; persisted so rebuilds keep it."""

    collections: list[str] = field(default_factory=list)
    # directories of the user's playbooks, roles and shell scripts: examples and usage (user_code.py)
    example_dirs: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, root: Path) -> IndexConfig:
        path = root / "config.json"
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text())
            return cls(
                collections=[str(p) for p in data.get("collections", [])],
                example_dirs=[str(p) for p in data.get("example_dirs", [])],
            )
        except (OSError, ValueError, AttributeError) as exc:
            raise IndexUnavailable(
                f"index configuration {path} is unreadable ({exc}); fix or delete it"
            ) from exc

    def save(self, root: Path) -> None:
        data = {"collections": self.collections, "example_dirs": self.example_dirs}
        atomic_write_text(root / "config.json", json.dumps(data, indent=2))


# ---------------------------------------------------------------------------------------------- build


def _load_unit(source: Source, unit: Unit) -> tuple[str, str, list[dict[str, Any]], str | None]:
    """Runs in a worker process: parse one unit, never raise (a broken page must not stop a build)."""
    try:
        records = [r.to_json() for r in source.load(unit)]
        return unit.id, unit.fingerprint, records, None
    except SourceError as exc:
        return unit.id, unit.fingerprint, [], str(exc)
    except Exception as exc:  # a parser bug on one odd page: count it, keep building
        return unit.id, unit.fingerprint, [], f"{type(exc).__name__}: {exc}"


def _read_unit_cache(build: Path | None) -> dict[tuple[str, str], tuple[str, list[dict[str, Any]]]]:
    if build is None or not (build / "units.jsonl.gz").exists():
        return {}
    try:
        if json.loads((build / "manifest.json").read_text()).get("parsers", 1) != PARSERS:
            return {}
    except (OSError, ValueError):
        return {}
    cache: dict[tuple[str, str], tuple[str, list[dict[str, Any]]]] = {}
    try:
        with gzip.open(build / "units.jsonl.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                cache[(row["source"], row["unit"])] = (row["fingerprint"], row["records"])
    except (OSError, ValueError, KeyError, EOFError):
        return {}  # an unreadable cache only costs a full re-parse
    return cache


def merge_records(records: Iterable[DocRecord], drop_held_out: bool = True) -> list[DocRecord]:
    """One record per (dsl, name). The first record with a schema provides it (sources are ordered
    by authority: man page before `--help`); later ones add examples, aliases and missing text.
    With `drop_held_out` (the evaluation index), examples of held-out (dev/test) names are dropped
    here, so no source can leak them."""
    merged: dict[str, DocRecord] = {}
    for rec in records:
        cur = merged.get(rec.key)
        if cur is None:
            cur = DocRecord.from_json(rec.to_json())
            merged[rec.key] = cur
        else:
            if not cur.schema and rec.schema:
                cur.schema = rec.schema
                cur.source, cur.version = rec.source, rec.version
            if not cur.summary:
                cur.summary = rec.summary
            if rec.text and rec.text not in cur.text:
                cur.text = f"{cur.text}\n{rec.text}" if cur.text else rec.text
            cur.aliases += [a for a in rec.aliases if a not in cur.aliases and a != cur.name]
            cur.prior = max(cur.prior, rec.prior)
            cur.examples += rec.examples
    out = list(merged.values())
    if drop_held_out:
        for rec in out:
            if rec.examples and held_out(rec.name):
                rec.examples = []
    return out


@dataclass
class BuildReport:
    seconds: float
    documents: dict[str, int]
    units: int
    reparsed: int
    failed: list[tuple[str, str, str]]  # (source, unit, message)


def build_index(
    sources: Sequence[Source],
    root: Path | None = None,
    *,
    stamp: str = "",
    progress: Progress | None = None,
    workers: int | None = None,
    reuse: bool = True,
    encoder: Callable[[], Encoder] | None = None,
    exemplars: Callable[[Sequence[DocRecord]], Iterable[Exemplar]] | None = None,
    drop_held_out: bool | None = None,
    encoder_name: str | None = None,
) -> BuildReport:
    """Build and atomically publish a new index under `root`; units whose fingerprint did not change
    reuse the previous build's parse (and documents their vector) unless `reuse` is False. With an
    `encoder` (a factory: the model loads only if some document needs embedding) the build stores
    document vectors for dense retrieval. `exemplars` gives the example memory's examples (default:
    codegen.docs.exemplars.default_exemplars). `drop_held_out`: drop the examples of held-out names
    (default: when this process opens the evaluation index, codegen.docs.profile). `encoder_name`: the
    encoder's name when known without loading it; the previous build's vectors of another model are
    then not reused."""
    from codegen.docs.profile import drops_held_out

    if drop_held_out is None:
        drop_held_out = drops_held_out()
    t0 = time.perf_counter()
    root = root or index_root()
    (root / "builds").mkdir(parents=True, exist_ok=True)
    previous = _current_build(root)
    cache = _read_unit_cache(previous) if reuse else {}

    plan: list[tuple[Source, Unit]] = []
    kept: list[tuple[str, str, str, list[dict[str, Any]]]] = []  # (source, unit, fingerprint, records)
    for source in sources:
        for unit in source.units():
            hit = cache.get((source.name, unit.id))
            if hit is not None and hit[0] == unit.fingerprint:
                kept.append((source.name, unit.id, unit.fingerprint, hit[1]))
            else:
                plan.append((source, unit))

    parsed: dict[tuple[str, str], tuple[str, list[dict[str, Any]]]] = {}
    failed: list[tuple[str, str, str]] = []
    total = len(plan)
    if progress:
        progress("parsing documentation", 0, total)
    workers = workers or min(os.cpu_count() or 1, 8)
    if total:
        done = 0
        if workers > 1 and total > 20:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                chunk = max(1, min(64, total // (workers * 16)))
                results = pool.map(_load_unit, [s for s, _ in plan], [u for _, u in plan], chunksize=chunk)
                for (source, _), res in zip(plan, results, strict=True):
                    done += 1
                    _collect(source.name, res, parsed, failed)
                    if progress and (done % 50 == 0 or done == total):
                        progress("parsing documentation", done, total)
        else:
            for source, unit in plan:
                _collect(source.name, _load_unit(source, unit), parsed, failed)
                done += 1
                if progress:
                    progress("parsing documentation", done, total)

    # sources are ordered by authority; keep that order when merging
    order = {s.name: i for i, s in enumerate(sources)}
    rows = kept + [(src, uid, fp, recs) for (src, uid), (fp, recs) in parsed.items()]
    rows.sort(key=lambda r: (order[r[0]], r[1]))
    records = merge_records((DocRecord.from_json(r) for _, _, _, recs in rows for r in recs), drop_held_out)
    records.sort(key=lambda r: (r.dsl, r.name))
    if not records:
        raise IndexUnavailable("no documentation found in any source; is the README install step done?")

    build = root / "builds" / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    tmp = build.with_name(build.name + ".partial")
    tmp.mkdir(parents=True)
    try:
        if progress:
            progress("writing index", 0, 1)
        _write_units(tmp, rows)
        programs = [program(r) for r in records]
        _write_records(tmp, records, programs)
        _write_bm25(tmp, records)
        if encoder is not None:
            texts = [document_text(r.name, r.summary) for r in records]
            write_vectors(tmp, texts, previous if reuse else None, encoder, progress, model_name=encoder_name)
        exemplar_counts = write_exemplars(
            tmp,
            records,
            programs,
            exemplars(records) if exemplars is not None else default_exemplars(records),
            previous if reuse else None,
            encoder,
            progress,
            encoder_name,
        )
        if progress:
            progress("learning request phrasing", 0, 1)
        language_model = LanguageModel.train(records)
        if language_model is not None:
            language_model.save(tmp / "langid.npz")
        counts = {dsl: sum(1 for r in records if r.dsl == dsl) for dsl in DSLS}
        manifest = {
            "format": FORMAT,
            "parsers": PARSERS,
            "stamp": stamp,
            "sources": [s.name for s in sources],
            "documents": counts,
            "units": len(rows),
            "failed_units": len(failed),
            "examples": sum(len(r.examples) for r in records),
            "exemplars": exemplar_counts,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "seconds": round(time.perf_counter() - t0, 2),
        }
        atomic_write_text(tmp / "manifest.json", json.dumps(manifest, indent=2))
        tmp.rename(build)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _publish(root, build)
    if progress:
        progress("writing index", 1, 1)
    return BuildReport(
        seconds=time.perf_counter() - t0, documents=counts, units=len(rows), reparsed=total, failed=failed
    )


def _collect(
    source_name: str,
    res: tuple[str, str, list[dict[str, Any]], str | None],
    parsed: dict[tuple[str, str], tuple[str, list[dict[str, Any]]]],
    failed: list[tuple[str, str, str]],
) -> None:
    unit_id, fingerprint, records, error = res
    if error is not None:
        failed.append((source_name, unit_id, error))
    parsed[(source_name, unit_id)] = (fingerprint, records)


def _write_units(build: Path, rows: list[tuple[str, str, str, list[dict[str, Any]]]]) -> None:
    with gzip.open(build / "units.jsonl.gz", "wt", encoding="utf-8", compresslevel=1) as fh:
        for src, uid, fp, recs in rows:
            fh.write(json.dumps({"source": src, "unit": uid, "fingerprint": fp, "records": recs}) + "\n")


def _write_records(build: Path, records: list[DocRecord], programs: list[str]) -> None:
    offsets = np.zeros(len(records) + 1, dtype=np.int64)
    with open(build / "records.jsonl", "wb") as fh:
        for i, rec in enumerate(records):
            fh.write(json.dumps(rec.to_json(), ensure_ascii=False).encode("utf-8") + b"\n")
            offsets[i + 1] = fh.tell()
    np.save(build / "offsets.npy", offsets)
    meta = {
        "dsl": [r.dsl for r in records],
        "name": [r.name for r in records],
        "summary": [r.summary for r in records],
        "prior": [r.prior for r in records],
        "program": programs,
    }
    (build / "meta.json").write_text(json.dumps(meta, ensure_ascii=False))


def _write_bm25(build: Path, records: list[DocRecord]) -> None:
    import bm25s

    for fields, text_of in FIELDS.items():
        tokenizer = make_bm25_tokenizer()
        tokens = tokenizer.tokenize([text_of(r) for r in records], show_progress=False, return_as="tuple")
        model = bm25s.BM25()
        model.index(tokens, show_progress=False)
        model.save(str(build / f"bm25-{fields}"))
        tokenizer.save_vocab(str(build / f"bm25-{fields}"))


def _current_build(root: Path) -> Path | None:
    link = root / "current"
    if not link.is_symlink() and not link.exists():
        return None
    target = link.resolve()
    return target if target.is_dir() else None


def _publish(root: Path, build: Path) -> None:
    old = _current_build(root)
    tmp_link = root / f".current.{os.getpid()}"
    tmp_link.unlink(missing_ok=True)
    tmp_link.symlink_to(Path("builds") / build.name)
    os.replace(tmp_link, root / "current")
    if old is not None and old != build:
        shutil.rmtree(old, ignore_errors=True)


# ----------------------------------------------------------------------------------------------- read


class DocIndex:
    """A published index, opened read-only. Records are loaded lazily by position."""

    def __init__(self, build: Path) -> None:
        self.path = build
        try:
            self.manifest: dict[str, Any] = json.loads((build / "manifest.json").read_text())
            if self.manifest.get("format") != FORMAT:
                raise ValueError(f"format {self.manifest.get('format')} (expected {FORMAT})")
            meta = json.loads((build / "meta.json").read_text())
            self.dsl: list[str] = meta["dsl"]
            self.names: list[str] = meta["name"]
            self.summaries: list[str] = meta["summary"]
            self.priors = np.asarray(meta["prior"], dtype=np.float32)
            self.programs: list[str] = meta["program"]
            self._offsets = np.load(build / "offsets.npy")
            if len(self._offsets) != len(self.names) + 1 or not (
                len(self.dsl) == len(self.names) == len(self.priors) == len(self.programs)
            ):
                raise ValueError("record tables disagree in length")
            size = (build / "records.jsonl").stat().st_size
            if int(self._offsets[-1]) != size:
                raise ValueError("records file is truncated")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexUnavailable(
                f"the documentation index at {build} is corrupt ({exc}); rebuild it with `dslgen index build --force`"
            ) from exc
        self._by_key = {f"{d}:{n}": i for i, (d, n) in enumerate(zip(self.dsl, self.names, strict=True))}
        self._records = open(build / "records.jsonl", "rb")  # noqa: SIM115 - kept open for seeks
        self._lexical: dict[str, tuple[Any, Any]] = {}
        self._by_word: dict[str, list[int]] | None = None
        self._language_model: LanguageModel | bool | None = False  # False: not loaded yet
        self._dsl_masks: dict[str, np.ndarray] = {}
        self._dsl_rows: dict[str, slice | np.ndarray] = {}
        self._vectors: tuple[str, np.ndarray] | bool | None = False  # False: not loaded yet
        self._exemplars: tuple[ExemplarTable | None, np.ndarray | None] | None = None  # None: not loaded

    def __len__(self) -> int:
        return len(self.names)

    def record(self, i: int) -> DocRecord:
        start, end = int(self._offsets[i]), int(self._offsets[i + 1])
        self._records.seek(start)
        return DocRecord.from_json(json.loads(self._records.read(end - start)))

    def named(self, word: str) -> list[int]:
        """Positions of documents called `word` (lower-cased name, or for Bash and Ansible the last
        part of a dotted name: `user` finds ansible.builtin.user)."""
        if self._by_word is None:
            by_word: dict[str, list[int]] = {}
            for i, name in enumerate(self.names):
                for key in {name.lower(), name.lower().rsplit(".", 1)[-1]}:
                    by_word.setdefault(key, []).append(i)
            self._by_word = by_word
        return self._by_word.get(word, [])

    def position(self, dsl: str, name: str) -> int | None:
        return self._by_key.get(f"{dsl}:{name}")

    def records(self) -> Iterable[DocRecord]:
        for i in range(len(self)):
            yield self.record(i)

    def source_records(self, source: str) -> Iterable[DocRecord]:
        """Records of one source as parsed, before merging and before held-out examples are dropped
        (evaluation reads the held-out requests from here)."""
        for (src, _), (_, recs) in _read_unit_cache(self.path).items():
            if src == source:
                yield from (DocRecord.from_json(r) for r in recs)

    def lexical(self, field: str) -> tuple[Any, Any]:
        """The BM25 model and its tokenizer for one field set ("full" or "short"), loaded on first use."""
        if field not in self._lexical:
            import bm25s

            path = self.path / f"bm25-{field}"
            try:
                model = bm25s.BM25.load(str(path), mmap=True)
                tokenizer = make_bm25_tokenizer()
                tokenizer.load_vocab(str(path))
            except (OSError, ValueError, KeyError) as exc:
                raise IndexUnavailable(
                    f"the BM25 index at {path} is corrupt ({exc}); rebuild it with `dslgen index build --force`"
                ) from exc
            self._lexical[field] = (model, tokenizer)
        return self._lexical[field]

    @property
    def language_model(self) -> LanguageModel | None:
        if self._language_model is False:
            path = self.path / "langid.npz"
            try:
                self._language_model = LanguageModel.load(path) if path.exists() else None
            except (OSError, ValueError, KeyError) as exc:
                raise IndexUnavailable(
                    f"the language model at {path} is corrupt ({exc}); rebuild it with `dslgen index build --force`"
                ) from exc
        return self._language_model  # type: ignore[return-value]

    @property
    def vectors(self) -> tuple[str, np.ndarray] | None:
        """(model name, [documents, dim] unit vectors), or None for an index built without them."""
        if self._vectors is False:
            try:
                found = read_vectors(self.path)
            except (OSError, ValueError) as exc:
                raise IndexUnavailable(
                    f"the document vectors in {self.path} are corrupt ({exc}); rebuild with `dslgen index build --force`"
                ) from exc
            if found is not None and len(found[1]) != len(self):
                raise IndexUnavailable(
                    f"the document vectors in {self.path} do not match its records; rebuild with `dslgen index build --force`"
                )
            self._vectors = found
        return self._vectors  # type: ignore[return-value]

    @property
    def exemplars(self) -> ExemplarTable | None:
        """The example memory (examples, their documents, usage), None for an index without one."""
        return self._exemplar_parts()[0]

    @property
    def exemplar_vectors(self) -> np.ndarray | None:
        """[examples, dim] unit vectors of the example requests, None when the index has none."""
        return self._exemplar_parts()[1]

    def _exemplar_parts(self) -> tuple[ExemplarTable | None, np.ndarray | None]:
        if self._exemplars is None:
            try:
                table = read_exemplars(self.path)
                found = read_vectors(self.path, "exemplar")
            except (OSError, ValueError) as exc:
                raise IndexUnavailable(
                    f"the example memory in {self.path} is corrupt ({exc}); rebuild with `dslgen index build --force`"
                ) from exc
            vectors = found[1] if found is not None else None
            if table is not None and (
                len(table.usage) != len(self) or (vectors is not None and len(vectors) != len(table))
            ):
                raise IndexUnavailable(
                    f"the example memory in {self.path} does not match its records; rebuild with `dslgen index build --force`"
                )
            self._exemplars = (table, vectors)
        return self._exemplars

    def dsl_rows(self, dsl: str) -> slice | np.ndarray:
        """Positions of a language's documents: a slice, since builds sort records by language (reading
        a slice of the vectors is cheaper than gathering rows); an index array should that not hold."""
        if dsl not in self._dsl_rows:
            rows = np.flatnonzero(self.dsl_mask(dsl))
            contiguous = len(rows) and rows[-1] - rows[0] + 1 == len(rows)
            self._dsl_rows[dsl] = slice(int(rows[0]), int(rows[-1]) + 1) if contiguous else rows
        return self._dsl_rows[dsl]

    def dsl_mask(self, dsl: str) -> np.ndarray:
        if dsl not in self._dsl_masks:
            self._dsl_masks[dsl] = np.array([d == dsl for d in self.dsl], dtype=np.float32)
        return self._dsl_masks[dsl]

    def close(self) -> None:
        self._records.close()


def open_index(root: Path | None = None) -> DocIndex | None:
    """The published index, or None when none was built yet. Raises IndexUnavailable if corrupt."""
    root = root or index_root()
    link = root / "current"
    if not link.is_symlink() and not link.exists():
        return None
    build = link.resolve()
    if not build.is_dir():
        raise IndexUnavailable(
            f"the documentation index at {root} points to a missing build; rebuild it with `dslgen index build --force`"
        )
    return DocIndex(build)


def add_path(path: str, root: Path | None = None) -> tuple[IndexConfig, str]:
    """Validate a user path and remember it; the caller rebuilds. A directory with Ansible modules is a
    collection (documentation); else one with shell scripts or playbooks is the user's code (examples
    and usage). Returns the configuration and what the path was taken as."""
    from codegen.docs.ansible import AnsibleCollectionSource
    from codegen.docs.user_code import code_files

    resolved = Path(path).expanduser().resolve()
    if not resolved.is_dir():
        raise InputError(f"{path}: not a directory")
    try:
        modules = list(AnsibleCollectionSource(str(resolved)).units())
    except SourceError:
        modules = []
    root = root or index_root()
    config = IndexConfig.load(root)
    if modules:
        kind, paths = "collection", config.collections
    elif any(code_files(resolved)):
        kind, paths = "code", config.example_dirs
    else:
        raise InputError(
            f"no Ansible modules, playbooks or shell scripts found under {path}: give a collection, a "
            "library/ directory of modules, or a directory of your playbooks, roles or scripts"
        )
    if str(resolved) not in paths:
        paths.append(str(resolved))
        config.save(root)
    return config, kind
