"""The tldr NL→Bash metrics of DocPrompting (Zhou et al., ICLR 2023), mirrored from the published code.

Source: neulab's Hugging Face metric `neulab/tldr_eval` (tldr_eval.py) and the DocPrompting
repository (shuyanzhou/docprompting: utils/util.py `clean_command`/`anonymize_command`,
dataset_helper/tldr/gen_metric.py `token_prf`/`measure_bag_of_word`/`calc_template_matching`/
`tldr_metrics`). Every quirk is kept on purpose so numbers compare with the published ones:

- cleaning deletes the substring "sudo" anywhere (also inside "sudoedit"), all quotes and backticks,
  and turns `|`, `>` and `<` into spaces, then collapses whitespace;
- anonymisation first turns "={" into " {", then numbers the distinct `{{…}}` placeholders in order
  of first appearance (non-greedy `{{(.*?)}}`). Cleaning runs first, so an option-alternative
  placeholder `{{[-s|--long]}}` becomes `{{[-s --long]}}` and is anonymised as one placeholder,
  never expanded;
- exact match, command accuracy and token precision/recall/F1 use placeholders `[[VAR]]_i` and are
  averaged per example (macro); the command is the first token, "NONE_PRED" for an empty prediction;
- token P/R/F1 count clipped token multiset overlap with the published 1e-10 smoothing terms;
- charBLEU anonymises placeholders as `$i` instead (as `tldr_metrics` does) and is sacrebleu's corpus
  BLEU with `tokenize='char'`, on a 0–100 scale. The other metrics are fractions in [0, 1].
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sacrebleu.metrics import BLEU

VAR_STR = "[[VAR]]"
_PLACEHOLDER = re.compile("{{(.*?)}}")


def clean_command(s: str) -> str:
    s = s.replace("sudo", "").strip()
    s = s.replace("`", "").replace('"', "").replace("'", "")
    s = s.replace("|", " ").replace(">", " ").replace("<", " ")
    return " ".join(s.split())


def anonymize_command(s: str, label: Callable[[int], str] = lambda i: f"{VAR_STR}_{i}") -> str:
    s = s.replace("={", " {")
    ids: dict[str, int] = defaultdict(lambda: len(ids))
    for var in _PLACEHOLDER.findall(s):
        _ = ids[var]
    for var, i in ids.items():
        s = s.replace("{{%s}}" % var, label(i))  # noqa: UP031 - the published code's exact formatting
    return s


def clean_anonymize_command(s: str) -> str:
    return anonymize_command(clean_command(s))


def _clean_for_bleu(s: str) -> str:
    return anonymize_command(clean_command(s), label=lambda i: f"${i}")


@dataclass(frozen=True, slots=True)
class TokenPRF:
    precision: float
    recall: float
    f1: float


def token_prf(gold: Sequence[str], pred: Sequence[str]) -> TokenPRF:
    gold_counts, pred_counts = Counter(gold), Counter(pred)
    hit = sum(min(gold_counts[t], pred_counts[t]) for t in gold_counts.keys() | pred_counts.keys())
    p = hit / (sum(pred_counts.values()) + 1e-10)
    r = hit / (sum(gold_counts.values()) + 1e-10)
    return TokenPRF(p, r, 2 * p * r / (p + r + 1e-10))


@dataclass(frozen=True, slots=True)
class TldrExample:
    """The per-example tldr metrics of one prediction."""

    exact_match: float
    command_accuracy: float
    token_precision: float
    token_recall: float
    token_f1: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def tldr_example(prediction: str, reference: str) -> TldrExample:
    gold, pred = clean_anonymize_command(reference), clean_anonymize_command(prediction)
    gold_tokens, pred_tokens = gold.strip().split(), pred.strip().split()
    gold_cmd = gold_tokens[0] if gold_tokens else "NONE_GOLD"
    pred_cmd = pred_tokens[0] if pred_tokens else "NONE_PRED"
    prf = token_prf(gold_tokens, pred_tokens)
    return TldrExample(
        exact_match=float(gold == pred),
        command_accuracy=float(gold_cmd == pred_cmd),
        token_precision=prf.precision,
        token_recall=prf.recall,
        token_f1=prf.f1,
    )


def char_bleu(predictions: Sequence[str], references: Sequence[str]) -> float:
    """sacrebleu corpus BLEU over characters, 0–100."""
    bleu = BLEU(tokenize="char")
    preds = [_clean_for_bleu(p) for p in predictions]
    refs = [_clean_for_bleu(r) for r in references]
    return bleu.corpus_score(preds, [refs]).score


@dataclass(frozen=True, slots=True)
class TldrScores:
    exact_match: float
    command_accuracy: float
    token_precision: float
    token_recall: float
    token_f1: float
    char_bleu: float
    n: int


def tldr_scores(predictions: Sequence[str], references: Sequence[str]) -> TldrScores:
    """The `neulab/tldr_eval` metrics of aligned predictions and references."""
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references")
    if not references:
        raise ValueError("no examples to score")
    examples = [tldr_example(p, r) for p, r in zip(predictions, references, strict=True)]
    n = len(examples)
    return TldrScores(
        exact_match=sum(e.exact_match for e in examples) / n,
        command_accuracy=sum(e.command_accuracy for e in examples) / n,
        token_precision=sum(e.token_precision for e in examples) / n,
        token_recall=sum(e.token_recall for e in examples) / n,
        token_f1=sum(e.token_f1 for e in examples) / n,
        char_bleu=char_bleu(predictions, references),
        n=n,
    )
