"""Multi-step requests: each step's own retrieval, and one piece of code from the steps' code.

`codegen/steps.py` splits the text; here each step retrieves its documents (in the language detected
for the whole request), and the steps' code joins into one Ansible task list or one Bash pipeline /
`&&` chain. Steps are not merged back by retrieval: a step's text carries its referent ("set a
password for user deploy"), so with a lexical ranking both steps often hit the referent's document,
and a merge on "same top document" undid right splits (benchmarks/multistep.py: 4 of 31).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from codegen.companions import PIPE_STAGE_COMMANDS, command_positions
from codegen.docs.record import DocRecord
from codegen.retrieval import Hit, Retriever
from codegen.steps import Step, split_request


@dataclass(slots=True)
class PlannedStep:
    step: Step
    hits: list[Hit]

    @property
    def top(self) -> str:
        return self.hits[0].name if self.hits else ""


def plan_steps(retriever: Retriever, task: str, lang: str, k: int) -> list[PlannedStep]:
    """The request's steps with their documents; one step (the whole request, retrieved as written)
    when it has no steps of its own."""
    plan = split_request(task, lang)
    if len(plan.steps) < 2:
        return [PlannedStep(Step(task), retriever.search(task, lang=lang, k=k))]
    stages = np.array(command_positions(retriever.index, PIPE_STAGE_COMMANDS)) if lang == "bash" else None
    planned = [
        PlannedStep(s, retriever.search(s.nl, lang=lang, k=k, only=stages if s.link == "pipe" else None))
        for s in plan.steps
    ]
    if lang == "bash":
        planned = _fold_action_flags(retriever, planned)
    if len(planned) < 2:
        return [PlannedStep(Step(task), retriever.search(task, lang=lang, k=k))]
    return planned


def _verb_forms(verb: str) -> set[str]:
    stem = verb[:-1] if verb.endswith("e") else verb
    return {verb, verb + "s", verb + "es", stem + "ing", verb + "d", stem + "ed"}


def has_action_flag(record: DocRecord, verb: str) -> bool:
    """The command has an option named for `verb`: find's `-delete`, tar's `--remove-files`, rsync's
    `--delete`. Only the name counts: descriptions open with generic verbs ("Set", "Print") that
    folded "create a user and set a password for it" into `useradd`."""
    forms = _verb_forms(verb.lower())
    for option in record.schema.get("options", []):
        for flag in option.get("flags", []):
            name = flag.lstrip("-").split("-")[0].split("=")[0].lower()
            if len(flag.lstrip("-")) > 1 and name in forms:
                return True
    return False


def _fold_action_flags(retriever: Retriever, planned: list[PlannedStep]) -> list[PlannedStep]:
    """A step acting on the previous step's thing, which the previous command does with one of its
    own options, is part of that command: one step for both ("… and delete them": `find … -delete`)."""
    folded = [planned[0]]
    for current in planned[1:]:
        last = folded[-1]
        verb = current.step.nl.split(maxsplit=1)[0] if current.step.nl else ""
        acts_on_it = current.step.link == "and" and current.step.refers_back and verb
        if acts_on_it and last.hits and has_action_flag(retriever.record(last.hits[0]), verb):
            nl = f"{last.step.nl} and {current.step.nl}"
            folded[-1] = PlannedStep(Step(nl, last.step.link, last.step.refers_back), last.hits)
            continue
        folded.append(current)
    return folded


def combine(lang: str, parts: list[tuple[str, str]]) -> str:
    """One piece of code from (link, code) per step, in order. Ansible steps are each one `- name:`
    task, so their texts stack into one task list; Bash stages join with ` | ` or ` && ` (`|` binds
    tighter than `&&`, so `a && b | c` runs `b | c` after `a`, as the steps read)."""
    if lang == "ansible":
        return "\n".join(code.rstrip("\n") for _, code in parts) + "\n"
    text = ""
    for link, code in parts:
        code = code.strip()
        text = code if not text else f"{text} {'|' if link == 'pipe' else '&&'} {code}"
    return text
