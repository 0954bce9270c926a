"""Multi-step requests: each step's own retrieval, and one piece of code from the steps' code.

`codegen/steps.py` splits the text; here each step retrieves its documents (in the language detected
for the whole request), and the steps' code joins into one Ansible task list or one Bash pipeline /
`&&` chain. Steps are not merged back by retrieval: a step's text carries its referent ("set a
password for user deploy"), so with a lexical ranking both steps often hit the referent's document,
and a merge on "same top document" undid right splits (benchmarks/multistep.py: 4 of 31).
"""

from __future__ import annotations

from dataclasses import dataclass

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
    return [PlannedStep(s, retriever.search(s.nl, lang=lang, k=k)) for s in plan.steps]


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
