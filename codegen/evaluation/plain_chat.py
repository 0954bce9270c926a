"""A chat model run "plain": its own chat template, a fixed few-shot prompt, no retrieval, no grammar.

This is how a peer instruct model (SmolLM2-135M-Instruct, see scripts/peer_model.py) is used without
our pipeline, so `dslgen eval --plain-chat` measures what retrieval and constraints add. The prompt
per language (benchmarks/data/plain_chat_fewshot.json) is a system message and worked examples as
earlier user/assistant turns, each answer one fenced code block. Decoding is greedy and stops at the
end of the turn (EOS) or once the first code block is closed; the code is the inside of that block.
The answer is checked with the same validators as the pipeline's output (without documentation: no
retrieval means no argument specs to check Ansible modules against).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.docs.record import DSLS
from codegen.errors import InputError
from codegen.evaluation.data import EvalExample
from codegen.model.loading import LoadedModel, load_model
from codegen.result import Diagnostic, Result
from codegen.torch_compat import load_torch_dynamo

load_torch_dynamo()  # before torch: the evaluation metrics import ansible (see codegen/torch_compat.py)

import torch  # noqa: E402
from transformers import GenerationConfig, StoppingCriteria, StoppingCriteriaList  # noqa: E402

from codegen.decoding import DEFAULT_MAX_NEW_TOKENS  # noqa: E402

FEWSHOT = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "plain_chat_fewshot.json"
FENCE = "```"
# an opening fence: three backticks, an optional info string (bash, yaml, ...), then a line break
_OPENING = re.compile(r"```[\w+.#-]*[ \t]*\r?\n")


@dataclass(frozen=True, slots=True)
class FewShot:
    system: str
    fence: str  # the info string of the answers' code blocks
    examples: tuple[tuple[str, str], ...]  # (request, code)


def load_fewshot(path: Path = FEWSHOT) -> dict[str, FewShot]:
    if not path.is_file():
        raise InputError(f"{path}: no such few-shot prompt file")
    data = json.loads(path.read_text(encoding="utf-8"))
    shots = {}
    for lang in DSLS:
        entry = data.get(lang)
        if not isinstance(entry, dict) or not entry.get("examples"):
            raise InputError(f"{path}: no few-shot examples for {lang}")
        shots[lang] = FewShot(
            system=entry["system"],
            fence=entry["fence"],
            examples=tuple((ex["nl"], ex["code"]) for ex in entry["examples"]),
        )
    return shots


def extract_code(text: str) -> str:
    """The inside of the first fenced code block (to its end when the block was cut off); an answer
    without a block is taken whole, less stray backticks around it."""
    opening = _OPENING.search(text)
    if opening is None:
        return text.strip().strip("`").strip()
    end = text.find(FENCE, opening.end())
    body = text[opening.end() :] if end == -1 else text[opening.end() : end]
    return body.strip("\r\n").rstrip()  # leading spaces stay: YAML indentation


def block_closed(text: str) -> bool:
    opening = _OPENING.search(text)
    return opening is not None and FENCE in text[opening.end() :]


class _StopAfterBlock(StoppingCriteria):
    """Stops generation once the answer's first code block is closed."""

    def __init__(self, tokenizer: Any, prompt_tokens: int) -> None:
        self.tokenizer = tokenizer
        self.prompt_tokens = prompt_tokens
        self.fired = False

    def __call__(
        self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: Any
    ) -> torch.BoolTensor:
        text = self.tokenizer.decode(input_ids[0, self.prompt_tokens :], skip_special_tokens=True)
        self.fired = block_closed(text)
        return torch.full((input_ids.shape[0],), self.fired, dtype=torch.bool, device=input_ids.device)


class PlainChat:
    def __init__(
        self,
        loaded: LoadedModel,
        shots: dict[str, FewShot],
        *,
        max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
    ) -> None:
        if not getattr(loaded.tokenizer, "chat_template", None):
            raise InputError(
                f"{loaded.path}: the tokenizer has no chat template, so the plain chat baseline cannot "
                "prompt it; use an instruct (chat) model, or evaluate this model through the pipeline "
                "(without --plain-chat)"
            )
        self.loaded = loaded
        self.shots = shots
        self.max_new_tokens = max_new_tokens
        tokenizer, model = loaded.tokenizer, loaded.model
        eos = {tokenizer.eos_token_id}
        configured = getattr(model.generation_config, "eos_token_id", None)
        eos |= set(configured) if isinstance(configured, list) else {configured}
        self.eos = sorted(i for i in eos if i is not None)
        if not self.eos:
            raise InputError(f"{loaded.path}: the tokenizer has no end-of-sequence token")
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else self.eos[0]
        self.config = GenerationConfig(
            do_sample=False,
            num_beams=1,
            max_new_tokens=max_new_tokens,
            eos_token_id=self.eos,
            pad_token_id=pad,
        )

    @classmethod
    def load(cls, path: str | Path, device: str = "auto", fewshot: Path = FEWSHOT) -> PlainChat:
        # transformers: the baseline decodes with `model.generate` and the chat template
        return cls(load_model(path, device, runtime="transformers"), load_fewshot(fewshot))

    def messages(self, nl: str, lang: str) -> list[dict[str, str]]:
        shot = self.shots[lang]
        messages = [{"role": "system", "content": shot.system}]
        for request, code in shot.examples:
            messages.append({"role": "user", "content": request})
            messages.append({"role": "assistant", "content": f"{FENCE}{shot.fence}\n{code}\n{FENCE}"})
        messages.append({"role": "user", "content": nl.strip()})
        return messages

    def prompt(self, nl: str, lang: str) -> str:
        return self.loaded.tokenizer.apply_chat_template(
            self.messages(nl, lang), tokenize=False, add_generation_prompt=True
        )

    def complete(self, prompt: str) -> tuple[str, bool]:
        """The answer to a rendered prompt, and whether it ended (EOS or closed block) before the limit."""
        tokenizer, model = self.loaded.tokenizer, self.loaded.model
        # the template already wrote the special tokens it wants
        ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"].to(
            self.loaded.device
        )
        stop = _StopAfterBlock(tokenizer, ids.shape[1])
        with torch.no_grad():
            out = model.generate(
                ids,
                attention_mask=torch.ones_like(ids),
                generation_config=self.config,
                stopping_criteria=StoppingCriteriaList([stop]),
            )
        new = out[0, ids.shape[1] :].tolist()
        finished = stop.fired or (bool(new) and new[-1] in self.eos)
        return tokenizer.decode(new, skip_special_tokens=True), finished

    def generate(self, example: EvalExample) -> Result:
        from codegen.validate import validate

        t0 = time.perf_counter()
        if example.lang not in self.shots:
            return Result.error(example.id, "input", f"no few-shot prompt for {example.lang!r}", example.lang)
        text, finished = self.complete(self.prompt(example.nl, example.lang))
        result = Result(id=example.id, lang=example.lang, code=extract_code(text))
        result.warnings.append(
            Diagnostic("decoding", "info", None, "plain chat: few-shot prompt, no retrieval, no grammar")
        )
        if result.code.strip():
            verdict = validate(example.lang, result.code)
            result.valid = verdict.ok and finished
            result.errors += verdict.errors
            result.warnings += verdict.warnings
        else:
            result.errors.append(Diagnostic("decoding", "error", None, "the answer holds no code"))
        if not finished:
            result.errors.append(Diagnostic("decoding", "error", None, "output cut at the token limit"))
        result.seconds = round(time.perf_counter() - t0, 4)
        return result
