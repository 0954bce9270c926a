"""Split a multi-step request into steps, and say how their code joins.

"install nginx and start it on boot" is two steps (an Ansible package task, then a service task);
"find all log files older than 7 days and delete them" is one (`find … -delete`); "list the files and
sort them by size" is a Bash pipeline. The split reads the request's syntax: a coordinator ("and",
"then", ", then", ";") between clauses that each open with an imperative verb. It is conservative on
purpose: a wrong split sends each half to the wrong document, while a missed one still retrieves the
command the request opens with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Join = Literal["single", "tasks", "pipe", "and", "mixed"]
Link = Literal["", "task", "pipe", "and"]  # how a step attaches to the one before it

# Imperative verbs that open a clause in the requests we serve (sysadmin, shell and file chores). A
# clause opening with another word is not a step of its own: "install nginx and git" names two
# packages, it does not ask for a step "git".


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


VERBS = _word_set(
    """
    add append archive backup block build change check chmod chown clean clear clone compile compress
    configure connect convert copy count create cut decompress decrypt delete deploy disable display
    download edit empty enable encrypt ensure execute export extract fetch filter find format generate
    give grant grep gzip import initialize initialise install kill launch link list load lock make
    mount move open paginate ping print pull push put read reboot reload remove rename replace restart
    restore run save schedule search send set setup show shut sort split start stop strip sync tail
    tar test touch truncate uncompress uninstall unlock unmount unpack unzip update upgrade upload
    template verify wait write zip
    """
)
# Verbs that consume the previous command's output as lines on stdin: `… | sort`, `… | wc -l`.
FILTER_VERBS = _word_set("count filter grep paginate sort")
# "show only the first 5", "keep the lines with error": filters when followed by these words.
_FILTER_PHRASES = re.compile(
    r"^(?:(?:show|print|display|keep|take|get)\s+(?:only\s+)?(?:the\s+)?"
    r"(?:first|last|top|unique|lines|matches|ones)\b|remove\s+(?:the\s+)?duplicate)"
)
# Commands whose own action flags carry out the next step on what they found: `find … -delete`,
# `find … -exec chmod …`. With these the request stays one command unless the next step filters
# the list (`find … | wc -l`).
SEARCH_VERBS = _word_set("find search locate")

# Verbs whose clause makes a new file from its object ("compress src into src.tar.gz").
PRODUCERS = _word_set("archive compress convert export gzip tar zip")
# Verbs that set one service's state: "stop and disable firewalld", "restart sshd and enable it" are
# one Ansible service task (state + enabled) and one `systemctl` call, not two steps.
SERVICE_VERBS = _word_set("disable enable reload restart start stop")
# Verbs that keep the previous command's output in a file: its `-o` option or a redirect.
OUTPUT_VERBS = _word_set("save store write")
PRONOUNS = _word_set("it them those these him her")
# What a clause may open with before its verb; it is not part of the step's text.
_LEAD = re.compile(
    r"^(?:(?:please|also|then|finally|afterwards|next|and)\s+|(?:after that|once done),?\s+)+", re.I
)
_ASK = re.compile(
    r"^(?:how (?:do|can) (?:i|you|we)|how to|i (?:want|need|would like) to|can you|could you|"
    r"write (?:a|an) (?:command|task|playbook|script) (?:to|that))\s+",
    re.I,
)
# Coordinators between clauses; the capture keeps the separator so a rejected split restores it.
_SEPARATOR = re.compile(
    r"(\s*;\s*(?:then\s+)?|\s*,\s*(?:and\s+)?then\s+|\s+and\s+then\s+|\s+then\s+|\s*,?\s+and\s+|\s*,\s+)",
    re.I,
)
# The end of a clause's object: prepositions, comparisons and relative words start its modifiers.
_OBJECT_END = _word_set(
    """
    in into on onto to from with without by for at under over older newer larger smaller bigger
    than that which who whose where when if as using via recursively after before between of named
    called more less modified created containing matching ending starting
    """
)
_DETERMINERS = _word_set("a an the all every")
_POSSESSIVE = re.compile(r"\b(?:its|their)\b", re.I)
# Words naming what kind of thing the object is, before its name: "the directory build".
_KINDS = _word_set("archive directory file folder git group new package repo repository service tarball user")
# Objects that name the previous command's output rather than a thing of their own.
_OUTPUT_WORDS = re.compile(r"^(?:the\s+)?(?:output|result|results|lines|entries|list|matches)\b", re.I)


@dataclass(frozen=True, slots=True)
class Clause:
    text: str  # the clause as written, without a leading "then"/"also"
    verb: str
    rest: str  # what follows the verb


@dataclass(frozen=True, slots=True)
class Step:
    nl: str  # what this step's retrieval and generation see (pronouns replaced by their referent)
    link: Link = ""  # how its code attaches to the previous step's
    refers_back: bool = False  # it acts on the previous step's object ("start it", "and disable nginx")


@dataclass(frozen=True, slots=True)
class Plan:
    steps: tuple[Step, ...]

    @property
    def join(self) -> Join:
        links = {s.link for s in self.steps[1:]}
        if not links:
            return "single"
        if len(links) > 1:
            return "mixed"
        return {"task": "tasks", "pipe": "pipe", "and": "and"}[links.pop()]


def _words(text: str) -> list[str]:
    return re.findall(r"[\w.+/*~-]+|\S", text.lower())


def _clause(piece: str) -> Clause | None:
    """The piece as a clause when it opens with an imperative verb (after "please", "then", …)."""
    text = _ASK.sub("", _LEAD.sub("", piece.strip())).strip()
    words = text.split(maxsplit=1)
    if not words or words[0].lower() not in VERBS:
        return None
    return Clause(text, words[0].lower(), words[1] if len(words) > 1 else "")


def object_of(clause: Clause) -> str:
    """The noun phrase a clause acts on, as written: "install nginx on the web servers" -> "nginx".
    A clause that makes something new names it after "into"/"as": "compress src into src.tar.gz"
    -> "src.tar.gz", what a later "move it" means."""
    if clause.verb in PRODUCERS:
        made = re.search(r"\b(?:into|as)\s+(\S+)", clause.rest)
        if made:
            return made.group(1).strip(",.")
    kept: list[str] = []
    words = clause.rest.split()
    for i, word in enumerate(words):
        if word.lower().strip(",.") in _OBJECT_END:
            if word.lower() in ("named", "called") and i + 1 < len(words):
                kept.append(words[i + 1].strip(",."))  # "a user named deploy" -> "user deploy"
            break
        kept.append(word.strip(",."))
    # "all log files" -> "log files"; "the directory build" keeps "the" only when more follows
    while kept and kept[0].lower() in _DETERMINERS and len(kept) > 1 and kept[0].lower() != "the":
        kept.pop(0)
    return " ".join(kept)


def referent_of(clause: Clause) -> str:
    """What a later "it"/"them" names, for that step's retrieval: the object without its determiners
    and the kind of thing it is ("the package nginx" -> "nginx"). Kept, "start the package nginx on
    boot" retrieved the package module again instead of the service one."""
    words = object_of(clause).split()
    while len(words) > 1 and words[0].lower() in _DETERMINERS | _KINDS:
        words.pop(0)
    return " ".join(words)


def _mentions_pronoun(text: str) -> bool:
    return any(w in PRONOUNS for w in _words(text))


def _refers_back(rest: str) -> bool:
    """The clause acts on what the previous one named or printed: "delete them", "set their SGID
    bit", "save the output to a file"."""
    return _mentions_pronoun(rest) or bool(_POSSESSIVE.search(rest)) or bool(_OUTPUT_WORDS.match(rest))


def _replace_pronouns(text: str, referent: str) -> str:
    return re.sub(r"\b(?:it|them|those|these|him|her)\b(?!\s+\w+s\b)", referent, text, flags=re.I)


def _consumes_output(clause: Clause) -> bool:
    """The clause filters the lines the previous command printed: "sort them by size", "count the
    lines", "show only the first 5"."""
    rest = clause.rest.strip()
    refers = not rest or _mentions_pronoun(rest) or bool(_OUTPUT_WORDS.match(rest)) or rest.startswith("by ")
    if clause.verb in FILTER_VERBS:
        return refers or rest.lower().startswith(("for ", "out ", "lines"))
    if clause.verb == "search" and rest.lower().startswith("for ") and " in " not in rest:
        return True  # "… and search for PATH": in what the previous command printed
    return bool(_FILTER_PHRASES.match(clause.text.lower()))


_MODIFIER_LEAD = _DETERMINERS | _word_set("for of with without")


def _ends_in_verb_modifier(piece: str) -> bool:
    """ "files with read and write permissions": a verb after a preposition or determiner modifies a
    noun, so the "and" after it joins two modifiers, not two clauses."""
    words = piece.lower().split()
    return len(words) >= 2 and words[-1] in VERBS and words[-2] in _MODIFIER_LEAD


def _pieces(text: str) -> list[str]:
    """The request cut at every coordinator; separators stay in the list at odd positions."""
    return _SEPARATOR.split(text)


def split_request(text: str, lang: str) -> Plan:
    """The steps of `text` for a request in `lang` ("ansible", "bash", "fortran")."""
    text = " ".join(text.split()).rstrip(".")
    whole = Plan((Step(text),))
    if lang not in ("ansible", "bash"):
        return whole  # a Fortran request describes one program, whatever its steps
    parts = _pieces(text)
    # join pieces that are not clauses back onto the previous one ("nginx and git")
    groups: list[str] = [parts[0]]
    for sep, piece in zip(parts[1::2], parts[2::2], strict=True):
        if _clause(piece) is None or _ends_in_verb_modifier(groups[-1]):
            groups[-1] += sep + piece
        else:
            groups.append(piece)
    clauses = [_clause(g) for g in groups]
    if len(groups) < 2 or clauses[0] is None:
        return whole
    steps = _steps(text, [c for c in clauses if c is not None], lang)
    return Plan(tuple(steps)) if steps else whole


def _merge_service_settings(clauses: list[Clause]) -> list[Clause]:
    """ "enable and start the nginx service", "restart sshd and enable it on boot": one service, two of
    its settings, so one clause (one service task: state + enabled; one `systemctl` call)."""
    merged = [clauses[0]]
    for clause in clauses[1:]:
        last = merged[-1]
        same_thing = not last.rest or not clause.rest or _mentions_pronoun(clause.rest)
        if same_thing and last.verb in SERVICE_VERBS and clause.verb in SERVICE_VERBS:
            rest = last.rest or clause.rest
            merged[-1] = Clause(f"{last.text} and {clause.text}", last.verb, rest)
        else:
            merged.append(clause)
    return merged


def _steps(text: str, clauses: list[Clause], lang: str) -> list[Step]:
    """Steps for the clauses of one request; [] when the request is better left as one step."""
    clauses = _merge_service_settings(clauses)
    if len(clauses) < 2:
        return []
    # "install and start nginx": a bare verb shares the next clause's object. In Bash one command
    # often does both ("compress and encrypt": `gpg -c`, `zip -e`), so the request stays whole.
    shared = [not c.rest for c in clauses[:-1]]
    if any(shared) and lang == "bash":
        return []
    referent = ""
    steps: list[Step] = []
    for i, clause in enumerate(clauses):
        nl, refers = clause.text, False
        if i > 0 and shared[i - 1]:
            refers = True
        if i < len(clauses) - 1 and shared[i]:
            nl = f"{clause.verb} {object_of(clauses[i + 1])}"  # "install and start nginx" -> "install nginx"
        elif i > 0 and referent and _mentions_pronoun(clause.rest):
            nl, refers = _replace_pronouns(clause.text, referent), True
        elif i > 0 and not clause.rest:
            refers = True  # "… and count"
        if i == 0:
            steps.append(Step(nl))
            referent = referent_of(clause)
            continue
        if lang == "ansible":
            steps.append(Step(nl, "task", refers))
            continue
        previous = clauses[i - 1]
        if _consumes_output(clause):
            # a pipeline stage reads lines, not the named thing: "sort them by size" -> "sort by size"
            stage = re.sub(
                r"\s*\b(?:(?:of|from|in|on)\s+)?(?:it|them|(?:those|these)(?:\s+\w+)?)\b",
                "",
                clause.text,
                flags=re.I,
            )
            steps.append(Step(" ".join(stage.split()), "pipe", True))
        elif previous.verb in SEARCH_VERBS or (
            clause.verb in OUTPUT_VERBS and (refers or _refers_back(clause.rest))
        ):
            # `find … -delete` / `-exec …` / `-printf`: the search command acts on what it found (in
            # NL2Bash, "find … and <verb> …" is one find command far more often than two); "download
            # … and save it as page.html": the command's output option or a redirect. One step.
            return []
        else:
            steps.append(Step(nl, "and", refers))
    return steps
