"""The DocPrompting tldr metrics, including the neulab/tldr_eval metric card's worked example."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codegen.evaluation.metrics.tldr import (
    anonymize_command,
    char_bleu,
    clean_anonymize_command,
    clean_command,
    tldr_example,
    tldr_scores,
)


def test_metric_card_worked_example() -> None:
    predictions = [
        "ipcrm --shmem-id {{segment_id}}",
        "trash-empty --keep-files {{path/to/file_or_directory}}",
    ]
    references = ["ipcrm --shmem-id {{shmem_id}}", "trash-empty {{10}}"]
    scores = tldr_scores(predictions, references)
    assert scores.exact_match == 0.5
    assert scores.command_accuracy == 1.0
    assert round(scores.char_bleu, 2) == 65.68
    assert round(scores.token_precision, 3) == 0.833
    assert round(scores.token_recall, 3) == 1.0
    assert round(scores.token_f1, 2) == 0.90


def test_cleaning_follows_the_published_code() -> None:
    # "sudo" goes wherever it occurs, quotes and backticks vanish, | > < become spaces
    assert clean_command("sudo tar -xf 'a b.tar' | grep `x` > out < in") == "tar -xf a b.tar grep x out in"
    assert clean_command("sudoedit /etc/hosts") == "edit /etc/hosts"


def test_placeholders_are_numbered_in_order_of_first_appearance() -> None:
    cmd = "toilet {{input_text}} -f {{font_filename}} {{font_filename}}"
    assert anonymize_command(cmd) == "toilet [[VAR]]_0 -f [[VAR]]_1 [[VAR]]_1"
    assert anonymize_command("firejail --net={{eth0}}") == "firejail --net [[VAR]]_0"


def test_option_alternatives_are_anonymised_not_expanded() -> None:
    # cleaning turns the `|` inside into a space first; the whole placeholder is one variable
    assert clean_anonymize_command("ls {{[-a|--all]}} {{path}}") == "ls [[VAR]]_0 [[VAR]]_1"
    short = tldr_example("ls -a {{path}}", "ls {{[-a|--all]}} {{path}}")
    assert short.exact_match == 0.0  # `-a` is not the placeholder: no credit for expanding it
    same = tldr_example("ls {{[-a|--all]}} {{dir}}", "ls {{[-a|--all]}} {{path}}")
    assert same.exact_match == 1.0


def test_empty_prediction_scores_zero() -> None:
    example = tldr_example("", "tar -czf {{archive.tar.gz}} {{dir}}")
    assert (example.exact_match, example.command_accuracy, example.token_f1) == (0.0, 0.0, 0.0)
    assert tldr_scores([""], ["tar -czf {{archive.tar.gz}} {{dir}}"]).char_bleu == 0.0


def test_command_accuracy_uses_the_first_cleaned_token() -> None:
    assert tldr_example("sudo apt install {{pkg}}", "apt update").command_accuracy == 1.0
    assert tldr_example("apt-get install {{pkg}}", "apt install {{pkg}}").command_accuracy == 0.0


def test_mismatched_lengths_are_rejected() -> None:
    with pytest.raises(ValueError):
        tldr_scores(["a"], ["a", "b"])


commands = st.text(alphabet="abc -{}|/._=", min_size=1, max_size=40)


@given(commands)
def test_a_command_matches_itself(cmd: str) -> None:
    example = tldr_example(cmd, cmd)
    assert example.exact_match == 1.0
    if clean_anonymize_command(cmd).split():  # else both sides are "no command" ("NONE_GOLD" != "NONE_PRED")
        assert example.command_accuracy == 1.0
        assert example.token_f1 == pytest.approx(1.0)


@given(st.lists(st.tuples(commands, commands), min_size=1, max_size=5))
def test_scores_stay_in_range(pairs: list[tuple[str, str]]) -> None:
    preds, refs = zip(*pairs, strict=True)
    scores = tldr_scores(list(preds), list(refs))
    for value in (scores.exact_match, scores.command_accuracy, scores.token_f1):
        assert 0.0 <= value <= 1.0
    assert 0.0 <= char_bleu(list(preds), list(refs)) <= 100.0 + 1e-9
