"""Training, saving and loading tokenizers; round trips through transformers and llguidance; the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import llguidance.hf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import AutoTokenizer, PreTrainedTokenizerFast
from typer.testing import CliRunner

from codegen.errors import InputError
from codegen.training.corpus.document import Document, write_documents
from codegen.training.tokenizer.cli import app
from codegen.training.tokenizer.pieces import piece_pattern
from codegen.training.tokenizer.settings import SPECIAL_TOKENS, TrainSettings
from codegen.training.tokenizer.train import save, train

FIXTURES = Path(__file__).parent / "fixtures" / "tokenization"
LANGS = {
    "heat_mpi_omp.f90": "fortran",
    "daxpy_fixed.f": "fortran",
    "job.sh": "bash",
    "copy_examples.yml": "ansible",
}


def _documents() -> list[Document]:
    docs = [
        Document(lang, name, (FIXTURES / name).read_text(), "train", "fixture")  # type: ignore[arg-type]
        for name, lang in LANGS.items()
    ]
    docs.append(
        Document(
            "english", "request", "find all log files older than 7 days and delete them\n", "train", "fixture"
        )
    )
    docs.append(Document("bash", "held-out", "tar -czf backup.tar.gz /var/www\n", "dev", "fixture"))
    return docs


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("tokenizers")
    paths = {}
    for kind in ("compiler", "bytelevel"):
        trained = train(
            _documents(), TrainSettings(name=f"tiny-{kind}", vocab_size=600, kind=kind, corpus="fixture")
        )
        paths[kind] = save(trained, out / f"tiny-{kind}")
    return paths


@pytest.fixture(scope="module")
def fast(saved: dict[str, Path]) -> PreTrainedTokenizerFast:
    return PreTrainedTokenizerFast(tokenizer_file=str(saved["compiler"]))


def test_saved_directory_has_the_file_the_config_and_a_manifest(saved: dict[str, Path]) -> None:
    directory = saved["compiler"].parent
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["kind"] == "compiler" and manifest["vocab_size"] == 600
    # the held-out document is not training text
    assert manifest["corpus"]["training_documents"]["bash"]["documents"] == 1
    assert manifest["corpus"]["training_documents"]["fortran"]["fixed_form"] == 1
    config = json.loads((directory / "tokenizer_config.json").read_text())
    assert config["clean_up_tokenization_spaces"] is False
    assert json.loads(saved["compiler"].read_text())["normalizer"] is None


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=300))
@settings(max_examples=150, deadline=None)
def test_round_trip_of_any_text_through_transformers(fast: PreTrainedTokenizerFast, text: str) -> None:
    ids = fast.encode(text, add_special_tokens=False)
    assert fast.decode(ids) == text
    assert fast.unk_token_id is None  # byte-level: there is no unknown token to emit


@pytest.mark.parametrize("name", sorted(LANGS))
def test_round_trip_of_fixture_files_through_llguidance(fast: PreTrainedTokenizerFast, name: str) -> None:
    text = (FIXTURES / name).read_text()
    ids = fast.encode(text, add_special_tokens=False)
    lltok = llguidance.hf.from_tokenizer(fast, n_vocab=len(fast))
    assert lltok.decode_bytes(ids) == text.encode()
    assert lltok.vocab_size == len(fast)


def test_special_tokens_are_registered(saved: dict[str, Path], fast: PreTrainedTokenizerFast) -> None:
    # the token ids are in tokenizer.json; their roles (eos, pad) in tokenizer_config.json beside it
    assert fast.convert_tokens_to_ids("<|code|>") == SPECIAL_TOKENS.index("<|code|>")
    assert (
        fast.decode(fast.encode("<|request|>x<|code|>", add_special_tokens=False)) == "<|request|>x<|code|>"
    )
    loaded = AutoTokenizer.from_pretrained(saved["compiler"].parent)
    assert loaded.eos_token == SPECIAL_TOKENS[0] and loaded.pad_token == "<|pad|>"


def test_compiler_tokenizer_keeps_api_names_whole_where_plain_bpe_cannot(saved: dict[str, Path]) -> None:
    compiler = PreTrainedTokenizerFast(tokenizer_file=str(saved["compiler"]))
    plain = PreTrainedTokenizerFast(tokenizer_file=str(saved["bytelevel"]))
    line = "  call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)"

    def pieces(tok: PreTrainedTokenizerFast) -> list[str]:
        return [p for p, _ in tok.backend_tokenizer.pre_tokenizer.pre_tokenize_str(line)]

    # byte-level symbols: "Ġ" is the space. GPT-2's pre-tokenization splits names at "_", so no
    # vocabulary size can make them one token; the compiler-aware pieces keep them whole.
    assert "ĠMPI_Comm_rank" in pieces(compiler) and "ĠMPI_Comm_rank" not in pieces(plain)
    assert "MPI_COMM_WORLD" in compiler.tokenize(line)  # frequent in the fixtures: learned whole
    text = (FIXTURES / "heat_mpi_omp.f90").read_text()
    assert len(compiler.encode(text)) < len(plain.encode(text))


def test_name_boost_makes_api_names_the_corpus_lacks_into_tokens() -> None:
    def tokens(boost: int, text: str) -> list[str]:
        # room for the ~1,400 boosted names in both forms
        settings = TrainSettings(name="boost", vocab_size=5000, corpus="fixture", name_boost=boost)
        return train(_documents(), settings).tokenizer.encode(text).tokens

    # neither name occurs in the fixtures
    assert tokens(100, " dgemm") == ["Ġdgemm"] and len(tokens(0, " dgemm")) > 1
    assert tokens(100, " MPI_Comm_split") == ["ĠMPI_Comm_split"] and len(tokens(0, " MPI_Comm_split")) > 1


def test_vocabulary_below_the_byte_alphabet_is_refused() -> None:
    with pytest.raises(InputError):
        train(_documents(), TrainSettings(name="x", vocab_size=100))


def test_syntax_phrases_learn_keyword_runs_and_are_recorded(tmp_path: Path) -> None:
    settings = TrainSettings(name="syntax", vocab_size=1000, corpus="fixture", syntax_phrases=True)
    path = save(train(_documents(), settings), tmp_path / "syntax")
    manifest = json.loads((path.parent / "manifest.json").read_text())
    assert manifest["settings"]["syntax_phrases"] is True
    assert "(?<=[(,=])" in manifest["pre_tokenizer_pattern"]  # the syntax-run pattern, not the default
    fast = PreTrainedTokenizerFast(tokenizer_file=str(path))
    text = (FIXTURES / "daxpy_fixed.f").read_text()
    assert fast.decode(fast.encode(text)) == text
    # `end do` (heat_mpi_omp.f90) is learned as one unit; a name after `end` is never joined to it
    assert any("endĠdo" in token for token in fast.tokenize("  x = 1\n  end do\n"))
    assert not any("endĠdone" in token for token in fast.tokenize("  end done\n"))
    with pytest.raises(InputError):
        train(_documents(), TrainSettings(name="x", kind="bytelevel", syntax_phrases=True))


@pytest.mark.parametrize("name", ["code-8k", "code-16k"])
def test_shipped_tokenizers_use_the_pattern_their_settings_give(name: str) -> None:
    directory = Path(__file__).resolve().parents[1] / "tokenizers" / name
    settings = json.loads((directory / "manifest.json").read_text())["settings"]
    stored = json.loads((directory / "tokenizer.json").read_text())["pre_tokenizer"]["pretokenizers"][0]
    assert stored["pattern"]["Regex"] == piece_pattern(settings.get("syntax_phrases", False))


# ----------------------------------------------------------------------------------------------- CLI

runner = CliRunner()


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "documents.jsonl.gz"
    write_documents(path, _documents())
    return path


def test_cli_train_encode_stats(corpus_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli-tok"
    result = runner.invoke(
        app,
        [
            "train",
            "cli-tok",
            "--vocab-size",
            "400",
            "--corpus",
            str(corpus_file),
            "--out",
            str(out),
            "--name-boost",
            "3",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["vocab_size"] == 400
    assert json.loads((out / "manifest.json").read_text())["settings"]["name_boost"] == 3
    result = runner.invoke(app, ["encode", "call MPI_Init(ierr)", "-t", str(out), "--json"])
    assert result.exit_code == 0, result.output
    encoded = json.loads(result.output)
    assert encoded["round_trip"] is True and "".join(encoded["tokens"]) == "call MPI_Init(ierr)"
    result = runner.invoke(
        app, ["stats", "-t", str(out), "--corpus", str(corpus_file), "--split", "dev", "--json"]
    )
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["languages"]["bash"]["documents"] == 1
    assert stats["languages"]["bash"]["round_trip_failures"] == 0


def test_cli_reports_bad_input(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["encode", "x", "-t", str(tmp_path / "nothing")])
    assert isinstance(missing.exception, InputError) and "no tokenizer" in str(missing.exception)
    too_small = runner.invoke(app, ["train", "x", "--vocab-size", "10"])
    assert too_small.exit_code == 2
