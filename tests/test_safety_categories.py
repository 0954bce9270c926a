"""The risk categories added after the category table (benchmarks/data/safety_commands_v2.jsonl): every
row of that table, and the policy lines the rules draw inside each category."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codegen.safety import assess

TABLE = Path(__file__).parent.parent / "benchmarks" / "data" / "safety_commands_v2.jsonl"
ROWS = [json.loads(line) for line in TABLE.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_table_covers_each_category_both_ways() -> None:
    assert sum(r["risky"] for r in ROWS) >= 60 and sum(not r["risky"] for r in ROWS) >= 60
    categories = {r["category"] for r in ROWS}
    assert categories == {"remote-access", "system-files", "package-removal", "outside-tree"}
    for category in categories:
        assert {r["risky"] for r in ROWS if r["category"] == category} == {True, False}


@pytest.mark.parametrize("row", ROWS, ids=[r["cmd"][:60] for r in ROWS])
def test_category_table_row(row: dict[str, object]) -> None:
    verdict = assess(str(row["cmd"]))
    assert verdict.risky == row["risky"], verdict.reasons


@pytest.mark.parametrize(
    ("command", "risky"),
    [
        # remote access: the unit's purpose decides, and restarting is not stopping
        ("systemctl stop sshd.service", True),
        ("systemctl restart sshd", False),
        ("systemctl stop postgresql", False),
        ("ip link set lo down", False),
        ("ip link set enp0s3 down", True),
        # system files: drop-in files are the sanctioned way to add configuration, except security config
        ("echo 'APT::Color 1;' | sudo tee /etc/apt/apt.conf.d/99color", False),
        ("echo 'alice ALL=(ALL) ALL' | sudo tee /etc/sudoers.d/alice", True),
        ("echo x | sudo tee /etc/environment", True),
        # logs: rotated or old ones are housekeeping, live ones are evidence
        ("sudo rm /var/log/syslog.2.gz", False),
        ("sudo rm /var/log/syslog", True),
        ("find /var/log -type f -mtime +14 -delete", False),
        ("find /var/log -type f -delete", True),
        # packages: essential by what they are (with an architecture or version suffix), or forced
        ("apt-get remove libc6:amd64", True),
        ("apt-get remove bash=5.2.15-2", True),
        ("apt-get remove cowsay", False),
        ("dpkg --remove --force-depends cowsay", True),
        # outside the working tree: where the working directory is counts too
        ("cd /usr && tar xf ~/bundle.tar", True),
        ("cd ~/src && tar xf ~/bundle.tar", False),
        ("tar xf bundle.tar -C /opt/app", False),
        ("sudo cp tool /usr/local/bin/", False),
        ("sudo cp tool /usr/bin/", True),
    ],
)
def test_policy_inside_the_categories(command: str, risky: bool) -> None:
    assert assess(command).risky == risky, assess(command).reasons
