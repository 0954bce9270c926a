"""Bash documentation sources: roff (man + mdoc) parsing, flag extraction, --help and `help`
parsing, the tldr pages, and the installed ls/find/tar pages."""

from __future__ import annotations

import gzip
import json
import os
import stat
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.docs.bash import BuiltinSource, HelpSource, ManPageSource, TldrSource, run_capped
from codegen.docs.flags import merge_flags, parse_tag
from codegen.docs.helptext import parse_help
from codegen.docs.manpage import page_record, page_stem, parse_name_line
from codegen.docs.record import Example
from codegen.docs.roff import ARG_CLOSE, ARG_OPEN, parse_roff, plain
from codegen.docs.source import Unit
from codegen.docs.tldr_usage import example_flags, invocation

FIXTURES = Path(__file__).parent / "fixtures" / "bash"


def record_of(name: str):
    text = (FIXTURES / name).read_text()
    return page_record(parse_roff(text), page_stem(name)[0], source=name)


def by_flag(record) -> dict[str, dict]:
    return {f: entry for entry in record.schema["options"] for f in entry["flags"]}


def form(entry: dict) -> tuple:
    return (entry["arg"], entry["arg_optional"], entry["separators"])


# ---------------------------------------------------------------- man(7)


def test_man_page_name_synopsis_and_description():
    rec = record_of("buildtool.1")
    assert (rec.dsl, rec.name, rec.aliases) == ("bash", "buildtool", ["bt"])
    assert rec.summary == "build targets in parallel — quickly"
    assert rec.schema["synopsis"] == [
        "buildtool [-j[jobs]] [-Olevel] [-f Buildfile] [OPTION]... [TARGET]...",
        "buildtool clean|build [TARGET]...",
    ]
    # `\*(Bt` comes from the `.ie n .ds` branch; `\(em` is an em dash
    assert rec.text.startswith("buildtool reads a Buildfile and brings the named targets up to date.")
    assert "test fixture—nothing more." in rec.text
    assert rec.schema["subcommands"] == ["build", "clean"]


def test_man_page_flag_forms():
    flags = by_flag(record_of("buildtool.1"))
    assert form(flags["-j"]) == ("jobs", True, ["", "="])  # -j4 and --jobs=4
    assert flags["-j"]["flags"] == ["-j", "--jobs"]
    assert form(flags["--directory"]) == ("dir", False, [" ", "="])
    assert form(flags["-I"]) == ("dir", False, [""])  # -Idir: italic placeholder attached
    assert form(flags["-L"]) == ("dir", False, [""])  # -L<dir>
    assert form(flags["--output"]) == ("file", False, ["="])
    assert form(flags["--color"]) == ("WHEN", True, ["="])
    assert form(flags["-Xlint"]) == ("key", False, [":"])
    assert form(flags["-maxdepth"]) == ("levels", False, [" "])  # single-dash long option
    assert form(flags["-newer"]) == ("file", False, [" "])
    assert form(flags["-O"]) == ("level", False, [""])  # `.IP -Olevel`, split as the synopsis marks it
    assert form(flags["-f"]) == ("Buildfile", False, [" "])  # the value only the synopsis shows
    assert flags["--cache"]["flags"] == ["--cache", "--no-cache"]
    assert flags["-q"]["flags"] == ["-q", "--quiet"]  # .TP + .TQ
    assert flags["+x"]["flags"] == ["-x", "+x"]
    assert flags["--dry-run"]["description"].startswith("Print the recipes without running them")
    assert flags["-j"]["description"] == "Run up to jobs recipes at once; -j4 runs four."
    # the nested list under -Olevel belongs to its description; EXAMPLES terms are not options
    assert "full cost-based optimisation" in flags["-O"]["description"]
    assert "-j8" not in flags


def test_pod2man_page_with_preamble_and_grouped_items():
    rec = record_of("openssl-rand.1ssl")
    assert (rec.name, rec.aliases, rec.summary) == (
        "openssl-rand",
        ["openssl rand"],
        "generate pseudo-random bytes",
    )
    flags = by_flag(rec)
    assert form(flags["-out"]) == ("file", False, [" "])
    assert flags["-rand"]["flags"] == ["-rand", "-writerand"]
    # `.PD 0` items typeset together share the description that follows them
    assert flags["-provider"]["description"] == flags["-propquery"]["description"]
    assert flags["-provider"]["description"].startswith('See "Provider Options" in openssl(1)')
    assert len(rec.schema["options"]) == 9


# ---------------------------------------------------------------- mdoc(7)


def test_mdoc_page_real_pkgconf():
    rec = record_of("pkgconf.1")
    assert (rec.name, rec.summary) == ("pkgconf", "a system for configuring build dependency information")
    flags = by_flag(rec)
    assert form(flags["--atleast-pkgconfig-version"]) == ("VERSION", False, ["="])  # Fl -x Ns = Ns Ar X
    assert form(flags["--define-variable"]) == ("VARNAME=VALUE", False, ["="])
    assert form(flags["--validate"]) == ("package ...", False, [" "])
    assert flags["--libs"]["flags"] == ["--libs", "--libs-only-L", "--libs-only-l", "--libs-only-other"]
    assert len(rec.schema["options"]) == 40


def test_mdoc_page_bsd_style():
    rec = record_of("mkbuild.1")
    assert (rec.name, rec.aliases, rec.summary) == ("mkbuild", ["mkb"], "maintain program dependencies")
    assert rec.schema["synopsis"] == [
        "mkbuild [-BnqS] [-C directory] [-D variable] [-Idirectory] [-j max_jobs] [target ...]"
    ]
    flags = by_flag(rec)
    assert form(flags["-I"]) == ("directory", False, [""])  # Fl I Ns Ar directory
    assert form(flags["-j"]) == ("max_jobs", False, [" ", "="])
    assert flags["-j"]["flags"] == ["-j", "--jobs"]
    assert form(flags["-d"]) == ("flags", True, [" "])  # .It Xo / Fl d / Oo Ar flags Oc / .Xc
    assert form(flags["-q"]) == (None, False, [])  # `-q [-v]`: a bracketed flag is not a value
    assert "Commands marked with '+' still run." in flags["-n"]["description"]


HELP2MAN_PAGE = r""".TH SED 1
.SH NAME
sed \- stream editor
.SH DESCRIPTION
Filters text.
.HP
\fB\-n\fR, \fB\-\-quiet\fR, \fB\-\-silent\fR
.IP
suppress automatic printing of pattern space
.HP
\fB\-e\fR script, \fB\-\-expression\fR=\fI\,script\/\fR
.IP
add the script to the commands to be executed
.HP
A hanging paragraph of prose, \-n or not.
.SH OPTIONS
.TP
.B \-c --stdout --to-stdout
Write output on standard output.
.IP "\fIexpr1\fR \-o \fIexpr2\fR"
Or; expr2 is not evaluated if expr1 is true.
"""


def test_help2man_items_space_separated_spellings_and_infix_operators():
    flags = by_flag(page_record(parse_roff(HELP2MAN_PAGE), "sed", source="sed.1"))
    assert flags["-n"]["flags"] == ["-n", "--quiet", "--silent"]  # `.HP term` + `.IP body`
    assert flags["-n"]["description"] == "suppress automatic printing of pattern space"
    assert form(flags["-e"]) == ("script", False, [" ", "="])
    assert flags["-c"]["flags"] == ["-c", "--stdout", "--to-stdout"]  # gzip's spellings
    assert form(flags["-o"]) == (None, False, [])  # find's `expr1 -o expr2`
    assert set(flags) == {
        "-n",
        "--quiet",
        "--silent",
        "-e",
        "--expression",
        "-c",
        "--stdout",
        "--to-stdout",
        "-o",
    }


SYNOPSIS_ONLY_PAGE = r""".TH PERLISH 1
.SH NAME
perlish \- options shown only in the synopsis
.SH SYNOPSIS
\fBperlish\fR\ [\ \-sTt\ ]\ [\ \-F\fIpattern\fR\ ]\ [\ \-l[\fIoctal\fR]\ ]\ [\ \-b\ \fIbits\fR\ ]
[\-\-tcp|\-t] {\-e|\-E} [\-Olevel] [\-\-] [\fIfile\fR ...]
.SH DESCRIPTION
Reads files.
.TP
.B \-s
Listed here too, with its description.
"""


def test_options_shown_only_in_the_synopsis():
    flags = by_flag(page_record(parse_roff(SYNOPSIS_ONLY_PAGE), "perlish"))
    assert flags["-s"]["description"] == "Listed here too, with its description."  # the list wins
    assert flags["-T"]["flags"] == ["-T"] and form(flags["-T"]) == (None, False, [])  # `[-sTt]`: a cluster
    assert form(flags["-F"]) == ("pattern", False, [""])
    assert form(flags["-l"]) == ("octal", True, [""])
    assert form(flags["-b"]) == ("bits", False, [" "])
    assert flags["--tcp"]["flags"] == ["--tcp", "-t"]
    assert flags["-e"]["flags"] == ["-e", "-E"]
    # a word repeating a letter is no cluster; `--` and operands are no options
    assert "-Olevel" in flags and "-v" not in flags and "--" not in flags
    assert set(flags) == {"-s", "-T", "-t", "-F", "-l", "-b", "--tcp", "-e", "-E", "-Olevel"}


def test_a_synopsis_of_single_dash_long_options_has_no_clusters():
    flags = by_flag(
        page_record(parse_roff(".SH SYNOPSIS\nx11ish [\\-shared] [\\-display \\fIname\\fR]\n"), "x")
    )
    assert set(flags) == {"-shared", "-display"}


PARAGRAPH_OPTIONS_PAGE = r""".TH PARAS 1
.SH NAME
paras \- options set as paragraphs
.SH DESCRIPTION
.SS \fB\-\-all\fP, \fB\-a\fP
.PP
Show all of them.
.PP
Still about \-\-all.
.SS Other things
Not an option.
.PP
\(bu \-\-batch, \-B
.PP
Print results in batch mode.
.PP
\(bu \-\-rate \fIpps\fR: the rate to send at.
.SH OPTIONS
.PP
\fB\-f\fP, \fB\-\-filename\fP=[]
	Files to read.
.PP
\fB\-\-dry\-run\fP=false
	Only print.
.SH COMMAND-LINE OPTIONS
.PP
\-T\fIlang\fR sets the output language.
.PP
\-v prints more; this is prose that opens with an option.
"""


def test_options_set_as_paragraphs():
    flags = by_flag(page_record(parse_roff(PARAGRAPH_OPTIONS_PAGE), "paras"))
    assert flags["--all"]["flags"] == ["--all", "-a"]  # a subsection title (podman, netstat)
    assert flags["--all"]["description"] == "Show all of them. Still about --all."
    assert flags["-B"]["flags"] == ["--batch", "-B"]  # DocBook bullets (mysql)
    assert flags["-B"]["description"] == "Print results in batch mode."
    assert (
        form(flags["--rate"]) == ("pps", False, [" "])
        and flags["--rate"]["description"] == "the rate to send at."
    )
    assert form(flags["-f"]) == ("value", False, [" ", "="])  # cobra: a default `[]` means a value
    assert form(flags["--dry-run"]) == (None, False, [])  # cobra: a default `false` means a switch
    assert form(flags["-T"]) == ("lang", False, [""])  # graphviz: the first word and its placeholder
    assert flags["-v"]["description"] == "prints more; this is prose that opens with an option."
    assert set(flags) == {
        "--all",
        "-a",
        "--batch",
        "-B",
        "--rate",
        "-f",
        "--filename",
        "--dry-run",
        "-T",
        "-v",
    }


def test_docbook_term_of_several_lines():
    page = ".SH OPTIONS\n.PP\n\\fB\\-a\\fR\n.br\n\\fB\\-\\-data\\-only\\fR\n.RS 4\nDump only the data.\n.RE\n"
    flags = by_flag(page_record(parse_roff(page), "pgish"))
    assert set(flags) == {"-a", "--data-only"}
    assert flags["-a"]["description"] == flags["--data-only"]["description"] == "Dump only the data."


def test_paragraphs_opening_with_an_option_beside_list_items():
    page = (
        ".SH OPTIONS\n.TP\n.B \\-q \\fIlevel\\fR\nQuiet.\n.PP\n\\-q may be given twice.\n"
        ".PP\n\\fB\\-d\\fR, \\fB\\-\\-show\\-disks\\fR[=false] Show all mounted disks\n"
    )
    flags = by_flag(page_record(parse_roff(page), "x"))
    assert set(flags) == {"-q", "-d", "--show-disks"}
    assert form(flags["-q"]) == ("level", False, [" "])  # the list item's form, not the prose's
    assert form(flags["-d"]) == ("false", True, [" ", "="]) and flags["-d"]["flags"] == ["-d", "--show-disks"]


def test_options_of_sub_commands_listed_with_their_synopses():
    page = (
        ".SH OPTIONS\n.TP\n.B \\-v\nVerbose.\n.SH CLIENTS\n.TP\n"
        "new-session [\\-dP] [\\-s \\fIsession-name\\fR] [\\fIshell-command\\fR]\nCreate a session.\n"
        ".TP\nattach\nAttach to it.\n"
    )
    flags = by_flag(page_record(parse_roff(page), "tmuxish"))
    assert set(flags) == {"-v", "-d", "-P", "-s"}
    assert form(flags["-s"]) == ("session-name", False, [" "])


def test_sub_command_invocations_from_the_text_and_from_links():
    npm = ".SH NAME\nnpm-audit\n.SH SYNOPSIS\n<!-- AUTOGENERATED -->\n.SH DESCRIPTION\nRun \\fBnpm audit fix\\fP.\n"
    assert page_record(parse_roff(npm), "npm-audit").aliases == ["npm audit"]
    keygen = ".SH NAME\nssh-keygen\n.SH DESCRIPTION\nMakes keys for ssh.\n"
    assert page_record(parse_roff(keygen), "ssh-keygen").aliases == []
    podman = ".SH NAME\npodman-build\n.SH SYNOPSIS\n\\fBpodman build\\fP [\\fIoptions\\fP]\n"
    rec = page_record(parse_roff(podman), "podman-build", aliases=["docker-build", "buildah"])
    assert rec.aliases == ["podman build", "docker-build", "buildah", "docker build"]
    nested = ".SH NAME\npodman-network-ls\n.SH SYNOPSIS\n\\fBpodman network ls\\fP\n"
    rec = page_record(parse_roff(nested), "podman-network-ls", aliases=["docker-network-ls"])
    assert rec.aliases == ["podman network ls", "docker-network-ls", "docker network ls"]


def test_roff_escapes_and_markers():
    page = parse_roff(".TH X 1\n.SH NAME\nx \\- a \\(lqtest\\(rq \\e \\fIarg\\fP\\&.\n")
    text = page.find("NAME").blocks[0].text
    assert text == f'x - a "test" \\ {ARG_OPEN}arg{ARG_CLOSE}.'
    assert plain(text) == 'x - a "test" \\ arg.'
    assert parse_name_line(plain(text)) == (["x"], 'a "test" \\ arg.')


def test_roff_so_redirect_and_compression(tmp_path):
    man1 = tmp_path / "man1"
    man1.mkdir()
    with gzip.open(man1 / "buildtool.1.gz", "wb") as fh:
        fh.write((FIXTURES / "buildtool.1").read_bytes())
    (man1 / "bt.1").write_text(".so man1/buildtool.1\n")  # a stub: folded into buildtool's record
    (man1 / "mkbuild.1").write_bytes((FIXTURES / "mkbuild.1").read_bytes())
    os.symlink("mkbuild.1", man1 / "bmake.1")
    (tmp_path / "de" / "man1").mkdir(parents=True)  # a translation: never listed
    (tmp_path / "de" / "man1" / "buildtool.1").write_text(".TH X 1\n")

    source = ManPageSource(manpath=[str(tmp_path)], sections=("1",))
    units = {Path(u.id).name: u for u in source.units()}
    assert set(units) == {"buildtool.1.gz", "mkbuild.1"}
    [build] = source.load(units["buildtool.1.gz"])
    [mk] = source.load(units["mkbuild.1"])
    assert build.name == "buildtool" and build.source.endswith("buildtool.1.gz")
    assert "-maxdepth" in by_flag(build)
    assert mk.aliases == ["mkb", "bmake"]  # NAME-line name, then the symlink's name
    before = units["mkbuild.1"].fingerprint
    os.symlink("mkbuild.1", man1 / "pmake.1")  # a new alias changes the page's fingerprint
    again = {Path(u.id).name: u for u in ManPageSource(manpath=[str(tmp_path)], sections=("1",)).units()}
    assert again["mkbuild.1"].fingerprint != before


def test_system_link_wins_over_a_later_roots_page(tmp_path):
    """The system's awk.1 → mawk.1 names `awk`, not a fetched plan9 awk.1plan9 in a later root; a
    link of an extended section (ts.1ssl → openssl-cmds) never shadows a real page."""
    system, fetched = tmp_path / "sys" / "man1", tmp_path / "cache" / "man1"
    system.mkdir(parents=True)
    fetched.mkdir(parents=True)
    for directory, name in ((system, "mawk.1"), (system, "openssl-cmds.1ssl"), (fetched, "awk.1plan9"),
                            (fetched, "ts.1")):  # fmt: skip
        (directory / name).write_bytes((FIXTURES / "mkbuild.1").read_bytes())
    os.symlink("mawk.1", system / "awk.1")
    os.symlink("openssl-cmds.1ssl", system / "ts.1ssl")
    pages = ManPageSource(manpath=[str(system.parent), str(fetched.parent)], sections=("1",)).pages(
        fresh=True
    )
    by_file = {Path(p.file).name: p for p in pages.values()}
    assert by_file["mawk.1"].aliases == ["awk"]
    assert by_file["awk.1plan9"].stem == "awk(1plan9)"
    assert by_file["openssl-cmds.1ssl"].aliases == [] and by_file["ts.1"].stem == "ts"


@settings(max_examples=60, deadline=None)
@given(
    name=st.from_regex(r"[a-z][a-z0-9]{1,8}(-[a-z]{2,6})?", fullmatch=True),
    arg=st.from_regex(r"[A-Z][A-Z_]{0,7}", fullmatch=True),
    sep=st.sampled_from([" ", "=", ""]),
    optional=st.booleans(),
)
def test_flag_forms_round_trip_through_roff(name, arg, sep, optional):
    """Any man-style typeset option term parses back to the flag, value, optionality and separator."""
    flag = f"--{name}" if sep == "=" else f"-{name[0]}"
    lead, attach = (" ", "") if sep == " " else ("", sep)  # `-o [FILE]`, `--opt[=V]`, `-j[N]`
    value = f"{attach}\\fI{arg}\\fR"
    term = f"\\fB{flag.replace('-', chr(92) + '-')}\\fR{lead}" + (f"[{value}]" if optional else value)
    page = parse_roff(f".TH T 1\n.SH OPTIONS\n.TP\n{term}\nDoes something.\n")
    [entry] = [b for b in page.find("OPTIONS").blocks if b.tag]
    parsed = parse_tag(entry.tag, entry.text)
    assert parsed == {"flags": [flag], "arg": arg, "arg_optional": optional, "separators": [sep],
                      "description": "Does something."}  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(".'\\\"fBIRP()[]{}-sSHTPIBRNnmdlt 0123456789\n")), max_size=300))
def test_parse_roff_never_raises(text):
    page = parse_roff(text)
    for section in page.sections:
        for block in section.blocks:
            assert block.text.count(ARG_OPEN) == block.text.count(ARG_CLOSE)


# ---------------------------------------------------------------- --help, builtins, tldr


def test_gnu_help_text():
    page = parse_help((FIXTURES / "xz-long-help.txt").read_text())
    assert page.usage == ["xz [OPTION]... [FILE]..."]
    assert page.summary == "Compress or decompress FILEs in the .xz format."
    flags = {f: e for e in page.flags for f in e["flags"]}
    assert flags["-z"]["flags"] == ["-z", "--compress"]
    assert form(flags["-T"]) == ("NUM", False, [" ", "="])  # short spelling: the next word
    assert form(flags["--files"]) == ("FILE", True, ["="])
    assert form(flags["--block-size"]) == ("SIZE", False, ["="])
    assert flags["--block-size"]["description"].startswith("start a new .xz block after every SIZE bytes")
    # a term too long for its column, followed by one blank and the description
    assert flags["--single-stream"]["description"].startswith("decompress only the first stream")
    assert flags["--files0"]["description"] == "like --files but use the null character as terminator"
    # options listed together share the description under the last of them
    assert flags["--memlimit-compress"]["description"] == flags["-M"]["description"]
    assert "-0" in flags and flags["-0"]["arg"] is None


def test_builtin_help_pages():
    source = BuiltinSource()
    [unit] = list(source.units())
    records = {r.name: r for r in source.load(unit)}
    assert {"cd", "export", "read", "set", "ulimit", "help", "declare"} <= set(records)
    assert records["cd"].summary == "Change the shell working directory."
    read = by_flag(records["read"])
    assert form(read["-a"]) == ("array", False, [" "])
    assert form(read["-n"]) == ("nchars", False, [" "])
    assert read["-t"]["description"].startswith("time out and return failure")
    assert records["read"].schema["synopsis"][0].startswith("read [-ers] [-a array]")
    settings_ = by_flag(records["set"])
    assert settings_["-e"]["flags"] == [
        "-e",
        "+e",
    ]  # "Using + rather than - causes these flags to be turned off"
    assert form(settings_["-o"]) == ("option-name", False, [" "])
    assert records["set"].version.startswith("bash ")


def test_tldr_source_merges_platforms(tmp_path):
    pages = [
        {"id": "common/kill", "platform": "common", "page": "kill", "description": "Send a signal.",
         "examples": [{"nl": "Terminate a process", "cmd": "kill {{pid}}"}]},
        {"id": "linux/kill", "platform": "linux", "page": "kill", "description": "Send a signal (Linux).",
         "examples": [{"nl": "Terminate a process", "cmd": "kill {{pid}}"},
                      {"nl": "List signal names", "cmd": "kill -l"}]},
        {"id": "common/tar", "platform": "common", "page": "tar", "description": "Archiving utility.",
         "examples": [{"nl": "Create an archive", "cmd": "tar cf {{a.tar}} {{dir}}"}]},
    ]  # fmt: skip
    path = tmp_path / "tldr.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(json.dumps(p) for p in pages) + "\n")
    source = TldrSource(path)
    [unit] = list(source.units())
    records = {r.name: r for r in source.load(unit)}
    kill = records["kill"]
    assert kill.summary == "Send a signal (Linux)."  # linux first
    assert [(e.nl, e.code) for e in kill.examples] == [
        ("Terminate a process", "kill {{pid}}"),
        ("List signal names", "kill -l"),
    ]
    assert kill.schema["options"][0]["flags"] == ["-l"] and kill.dsl == "bash"
    assert records["tar"].schema == {} and records["tar"].aliases == []  # no flag, runs its own name
    assert kill.source == "tldr:linux/kill,tldr:common/kill"
    assert records["tar"].text == "Archiving utility.\nCreate an archive"


def test_tldr_packaged_pages_load():
    source = TldrSource()
    [unit] = list(source.units())
    records = source.load(unit)
    assert len(records) > 3000
    assert len({r.name for r in records}) == len(records)
    assert all(r.examples for r in records)


def _examples(*codes: str) -> list[Example]:
    return [Example(nl=f"example {i}", code=c) for i, c in enumerate(codes)]


@pytest.mark.parametrize(
    ("page", "codes", "expected"),
    [
        ("aws-s3-sync", ["aws s3 sync {{dir}} s3://{{b}}", "aws s3 sync . s3://x --delete"], "aws s3 sync"),
        ("pacman-remove", ["sudo pacman -R {{pkg}}", "sudo pacman -Rs {{pkg}}"], "pacman"),
        ("docker-compose", ["docker-compose up", "docker compose down"], "docker-compose"),
        ("ntl", ["tldr netlify"], ""),  # an alias page runs another program
    ],
)
def test_tldr_invocation_is_what_the_examples_run(page, codes, expected):
    assert invocation(page, _examples(*codes)) == expected


def test_tldr_example_flags_keep_their_spelling_and_attached_values():
    examples = _examples(
        "sudo pacman -Rs {{package}} --noconfirm | tee log",
        "pacman {{[-Q|--query]}} -j{{4}} --root={{path}} -5 - -- -x",
        "pacman --root {{path}} > out --after-redirect",
        "other -z",
    )
    flags = {
        f["flags"][0]: (f["arg"], f["arg_optional"], f["separators"])
        for f in example_flags("pacman", examples)
    }
    assert flags == {
        "-Rs": (None, False, [" "]),  # a cluster stays the word the example wrote
        "--noconfirm": (None, False, [" "]),
        "-Q": (None, False, [" "]),
        "--query": (None, False, [" "]),
        "-j": ("value", True, [""]),
        "--root": ("value", True, ["="]),
    }  # not the pipe's `tee`, a negative number, `-`, `--`, words after a redirection, other programs


# ---------------------------------------------------------------- --help of undocumented programs


def _script(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_help_source_policy(tmp_path):
    bin_dir, sbin_dir, marks = tmp_path / "bin", tmp_path / "sbin", tmp_path / "ran"
    bin_dir.mkdir()
    sbin_dir.mkdir()
    marks.mkdir()
    help_text = (FIXTURES / "xz-long-help.txt").read_text().replace("xz", "packtool")
    _script(
        bin_dir / "packtool",
        f'touch "{marks}/packtool"; pwd > "{marks}/cwd"\ncat <<\'EOF\'\n{help_text}EOF\n',
    )
    os.symlink(bin_dir / "packtool", bin_dir / "packtool-link")  # same program: run once
    for denied in ("rm-cache", "killjobs", "shutdown", "pyenv-update"):
        _script(bin_dir / denied, f'touch "{marks}/{denied}"\n')
    _script(sbin_dir / "fsadmin", f'touch "{marks}/fsadmin"\n')
    _script(bin_dir / "documented", f'touch "{marks}/documented"\n')
    (bin_dir / "notes.txt").write_text("not executable")

    source = HelpSource(path=f"{bin_dir}:{sbin_dir}", documented={"documented"}, timeout=5)
    units = list(source.units())
    assert [Path(u.id).name for u in units] == ["packtool"]
    [record] = source.load(units[0])
    assert record.name == "packtool" and record.source.endswith("packtool --help")
    assert record.schema["synopsis"] == ["packtool [OPTION]... [FILE]..."]
    assert form(by_flag(record)["--threads"]) == ("NUM", False, [" ", "="])
    ran = sorted(p.name for p in marks.iterdir())
    assert ran == ["cwd", "packtool"]  # nothing denied, documented or under sbin was run
    cwd = (marks / "cwd").read_text().strip()
    assert cwd != str(Path.cwd()) and not Path(cwd).exists()  # a temporary directory, removed after


def test_help_run_is_time_limited(tmp_path):
    slow = tmp_path / "slowtool"
    _script(slow, "echo 'Usage: slowtool [-x]'\nsleep 30\necho late\n")
    start = time.monotonic()
    out = run_capped(
        [str(slow), "--help"], timeout=0.5, cap=1 << 16, cwd=str(tmp_path), env={"PATH": os.defpath}
    )
    assert time.monotonic() - start < 5
    assert out.startswith("Usage: slowtool") and "late" not in out
    chatty = tmp_path / "chatty"
    _script(chatty, "while :; do echo spam; done\n")
    assert (
        len(run_capped([str(chatty)], timeout=5, cap=1000, cwd=str(tmp_path), env={"PATH": os.defpath}))
        == 1000
    )


# ---------------------------------------------------------------- the installed pages (CI installs them)


@pytest.fixture(scope="module")
def installed():
    if not Path("/usr/share/man/man1/ls.1.gz").exists():
        pytest.skip("the system man pages are not installed")
    source = ManPageSource(manpath=["/usr/share/man"], sections=("1",))
    wanted = {"ls.1.gz", "find.1.gz", "tar.1.gz"}
    units = [Unit(str(Path("/usr/share/man/man1") / n), "") for n in wanted]
    return {r.name: r for u in units for r in source.load(u)}


def test_installed_ls_find_tar(installed):
    ls, find, tar = installed["ls"], installed["find"], installed["tar"]
    assert ls.summary == "list directory contents"
    assert by_flag(ls)["-a"]["flags"] == ["-a", "--all"]
    assert form(by_flag(ls)["--block-size"]) == ("SIZE", False, ["="])
    assert form(by_flag(ls)["--color"]) == ("WHEN", True, ["="])
    assert form(by_flag(find)["-maxdepth"]) == ("levels", False, [" "])
    assert form(by_flag(find)["-name"]) == ("pattern", False, [" "])
    assert "-Olevel" in by_flag(find)  # set in roman everywhere: one flag, as typeset
    assert not {"-n", "+n"} & set(by_flag(find))  # italic `+n`/`-n`: numeric-argument notation
    assert "-exec" in by_flag(find) and "-mtime" in by_flag(find)
    assert form(by_flag(tar)["--directory"]) == ("DIR", False, [" ", "="])
    assert by_flag(tar)["-z"]["flags"] == ["-z", "--gzip", "--gunzip", "--ungzip"]
    assert ls.version.startswith("coreutils ") and tar.version.startswith("tar ")


def test_template_spellings_expand_to_the_options_they_stand_for():
    names = lambda flags: [tuple(f["flags"]) for f in flags]  # noqa: E731
    gzip_speed = merge_flags([parse_tag("-# --fast --best", "Regulate the speed.")])
    assert names(gzip_speed) == [("--fast", "--best"), *((f"-{d}",) for d in range(1, 10))]
    newer = merge_flags([parse_tag(f"-newerXY {ARG_OPEN}reference{ARG_CLOSE}", "Compare times.")])
    assert ("-newermt",) in names(newer) and all(f["arg"] == "reference" for f in newer)
    assert ("-newerXY",) not in names(newer) and len(newer) == 20
    kill = merge_flags([parse_tag("-<signal>, -s <signal>, --signal <signal>", "Send it.")])
    assert names(kill)[0] == ("-s", "--signal") and kill[0]["arg"] == "signal"
    assert {("-9",), ("-HUP",), ("-SIGKILL",), ("-15",)} <= set(names(kill))
    head = merge_flags([parse_tag(f"-n, --lines={ARG_OPEN}NUM{ARG_CLOSE}", "Print NUM lines.")])
    assert names(head) == [("-n", "--lines"), *((f"-{d}",) for d in range(10))]
    # `-n` with another long name is not head's line count (`grep -n, --line-number`)
    assert names(merge_flags([parse_tag("-n, --line-number", "Number lines.")])) == [("-n", "--line-number")]
