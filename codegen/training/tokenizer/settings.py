"""What a tokenizer is trained with: recorded verbatim in its manifest."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Kind = Literal["compiler", "bytelevel"]
KINDS: tuple[Kind, ...] = ("compiler", "bytelevel")

# End of document (also BOS/EOS), padding, and the three sections of a fine-tuning prompt.
SPECIAL_TOKENS: tuple[str, ...] = ("<|endoftext|>", "<|pad|>", "<|request|>", "<|docs|>", "<|code|>")


@dataclass(frozen=True, slots=True)
class TrainSettings:
    name: str
    vocab_size: int = 16_000
    # "compiler": tree-sitter-bounded words + the code regex; "bytelevel": plain GPT-2 byte-level BPE
    kind: Kind = "compiler"
    corpus: str = "code-v1"
    min_frequency: int = 2
    max_token_length: int = 24  # characters; longer merges are rare names that waste vocabulary
    # documents of a language are counted this many times: balances 14 MB of YAML against 7 MB of Fortran
    lang_weights: dict[str, int] = field(
        default_factory=lambda: {"fortran": 6, "bash": 4, "ansible": 1, "english": 1}
    )
    # each keyword/API name (codegen.training.tokenizer.lexicon.training_names) is counted this many extra times
    # after a space, so that names the corpus rarely shows (MPI_Comm_split) still become tokens
    name_boost: int = 0
    anonymise: bool = False  # identifiers → var_N/func_N in the training text (augmentation)
    # kind="compiler": runs of fixed syntax (keywords, operators, punctuation: `END IF`, `) THEN`,
    # `intent(in) ::`) are pieces that merges may span (codegen.training.tokenizer.pieces.piece_pattern)
    syntax_phrases: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
