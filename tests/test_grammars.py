"""What the base and specialised grammars accept and reject, in llguidance (the engine that
enforces them) and, through the lint, in lark."""

from __future__ import annotations

import random
import re
import string
from dataclasses import replace

import pytest
import yaml

from codegen.docs.record import DocRecord, Example
from codegen.docs.tldr_usage import example_flags, invocation
from codegen.grammar import GrammarError, build_grammar
from codegen.grammar.ansible import task_name_scalar
from codegen.grammar.base import base_grammar
from codegen.grammar.check import check_ansible, check_bash
from codegen.grammar.lint import accepts, lint, matcher_for, walk
from codegen.schema import schema_of
from tests.grammar_fixtures import pick

BASH_ACCEPTS = [
    "ls -la /tmp | grep -i foo && echo done",
    "find . -name '*.py' -exec grep -l TODO {} \\;",
    'echo "$(date +%F)" > out.txt 2>&1',
    "tar -czf backup_$(date +%F).tar.gz ~/docs",
    "diff <(sort a.txt) <(sort b.txt)",
    "for f in *.txt; do mv $f ${f%.txt}.md; done",
    "if test -f x; then cat x; else echo missing; fi",
    "FOO=bar make -j4 &",
    "cat {{path/to/file}} | wc -l",
    'echo -e "Column 1\\tColumn 2" | grep \\.txt',  # any escape, in and out of double quotes
    "tr -d $'\\n' < in.txt",  # ANSI-C quoting
    'grep -v ^@ f | grep " $x$"',  # `^` in a word, `$` before a closing quote
    "find . -name foo -delete;",  # a trailing `;`
    "cat f | while read d ; do ls $d; done",  # a blank before `;`
    "find . -type f \\( -name a -o -name b -o -name c -o -name d \\) -mtime +7 -size +1M",  # 20 words
    "awk '" + "{print $1}" * 14 + "' f",  # a long program in single quotes
    "cut -d: -f1 f | sort | uniq -c | sort -rn | head -5 | wc -l",  # six commands in a pipeline
    "ln -s dir/`ls -rt dir | tail -n1` latest",  # backquotes inside a word
    'echo `pwd`/`basename "$0"` "a b"',  # two in one word
    "kill -9 `cat pid.txt 2>/dev/null`",
    "mkdir -p path/to/{a,b}/{x,y} && ping -c 1 192.168.1.{1..254}",  # braces inside a word
    "rm -rf /usr/local/{lib/node{,/.npm,_modules},bin}/npm* folder{?,[1-4]?,50}",  # nested, with globs
    "find . -name “*.old” | wc –l",  # typographic quotes and dashes are word characters
    'echo "naïve $x café" `echo é`',
    "nix profile install nixpkgs#hello",  # `#` inside a word
    "find . -name [ab]* | tr -s [:blank:] x",  # glob brackets
    'test "$x" = y',  # a lone `=`
    'chown $(id -u):$(id -g) x && mv "$f" "$(dirname "$f")/$(basename "$f" | tr a b)"',  # 2 in a word
    "mkdir $(cat f | tr -dc a-z | fold -w 32 | head -n 1)",  # four commands in a substitution
    "ls " + "dir/" * 40 + "file",  # words have no length cap (grammars/bash.lark: mask speed)
]
BASH_REJECTS = [
    "ls |",
    "ls #comment",
    "echo 'unterminated",
    "cmd &&",
    "(ls",
    "ls  -l",
    "ls;;",
    "a | b | c | d | e | f | g",  # seven
    "echo $'\\n",
    "sudoers='x' ls",  # assignments take environment-style (upper-case) names only
    "_=x ls",  # tree-sitter-bash reads a lone `_=x` as the command name (bash: an assignment)
    # inside backquotes bash would remove these backslashes (`\$`, `\\`, `\``), or the quote ends them
    "echo `echo \\$HOME`",
    "echo `echo a\\\\b`",
    "echo `echo \\`pwd\\``",
    "echo `echo 'a`b'`",
    "echo `echo $(pwd)`",  # no `$( )` inside backquotes
    "ls ==",  # tree-sitter-bash reads a word starting `==` as an error
    "ls a #b",  # a `#` that starts a word opens a comment
    "ls {a,{b,{c}}}",  # braces nest one level
    "echo $(a)$(b)$(c)$(d)",  # at most three substitutions in a word
]


@pytest.mark.parametrize("text", BASH_ACCEPTS)
def test_bash_base_accepts(text: str) -> None:
    assert accepts(base_grammar("bash"), text)


@pytest.mark.parametrize("text", BASH_REJECTS)
def test_bash_base_rejects(text: str) -> None:
    assert not accepts(base_grammar("bash"), text)


ANSIBLE_TASK = """- name: Install nginx
  ansible.builtin.apt:
    name: nginx
    state: present
  become: true"""


def test_ansible_base_accepts_and_rejects() -> None:
    g = base_grammar("ansible")
    assert accepts(g, ANSIBLE_TASK)
    assert accepts(g, '- name: Run it\n  ansible.builtin.command: /usr/bin/make install\n  when: x == "y"')
    assert not accepts(g, "- name: x\n  apt:\n      name: nginx")  # wrong indentation
    assert not accepts(g, "- name: yes\n  apt:\n    name: x")  # a task name YAML reads as a boolean
    assert not accepts(g, "name: x")  # not a task list


FORTRAN_UNIT = """subroutine saxpy(n, a, x, y)
  implicit none
  integer, intent(in) :: n
  real(8), intent(in) :: a, x(n)
  real(8), intent(inout) :: y(n)
  integer :: i
  !$omp parallel do
  do i = 1, n
    y(i) = a * x(i) + y(i)  ! update
  end do
  !$omp end parallel do
  call dgemm('N', 'N', n, n, n, 1.0d0, x, n, y, n, &
             0.0d0, y, n)
end subroutine saxpy
"""


def test_fortran_base_accepts_unit_statement_and_program() -> None:
    g = base_grammar("fortran")
    assert accepts(g, FORTRAN_UNIT)
    assert accepts(g, "x = sqrt(y) + 1.0d0")
    assert accepts(g, "PROGRAM main\n  IMPLICIT NONE\n  PRINT *, 'hi'\nEND PROGRAM main\n")
    assert not accepts(g, "do i = 1, n\n  x = 1\n")  # unclosed do
    assert not accepts(g, "x = (1 + 2")


FORTRAN_ACCEPTS = [
    "if (incx.eq.1.and.incy.eq.1) go to 20",  # an integer then a dotted operator: `1.and.`
    "l = i.eq.1.or.j.ne.2.and..not.k.ge.3",
    "l = 1.neqv.m .eqv. 2.lt.x",
    "x = 1.\ny = 1.e5\nz = 2.*x",
    "data (coef(i,1), i=1,5) / 1.0d0, 1.0d0, 3*0.0d0 /",
    "do 10 i = 1, n\ndo 10 j = 1, n\na(i,j) = 0\n10 continue",  # loops sharing their last statement
    "do i = 1, n\nif (x) then\nx = 1\n250 end if\n10 end do",
    "assign 30 to next\ngo to next, (30, 40)",
    "entry prin(mes, a, n)",
    "x = 1; y = 2;",
    "call this%parent%init(n)\ncall shapes(1)%draw()",
    "allocate(character(len=8) :: s)\nallocate(circle :: shapes(n))",
    "integer, intent(in   ) :: kt\nreal, intent(in out) :: y",
    "character(kind=c_char, len=1) :: name",
    "procedure(quadratic), pointer :: f => null()",
    "call f(a, &\n  ! a comment line\n\n  & b)",
    "subroutine s(x)\nx = 1\n330 end",
    "integer(c_int) function f(n) bind(c, name='f')\nf = n\nend function f",
    "subroutine g(x) bind(c)\nabstract interface\nsubroutine h(y)\nimport :: t\ntype(t) :: y\n"
    "end subroutine h\nend interface\nend subroutine g",
]
FORTRAN_REJECTS = [
    "l = a.eq.b.eq.c",  # comparisons do not chain
    "l = 1.eq.2.eq.3",
    "l = x .and. 1.and.",
    "x = 1..5",
    "do 10 i = 1, n\nx = 1",  # no statement with the label
    "call this%",
    "allocate(:: x(3))",
]


@pytest.mark.parametrize("text", FORTRAN_ACCEPTS)
def test_fortran_base_accepts(text: str) -> None:
    assert accepts(base_grammar("fortran"), text + "\n")


@pytest.mark.parametrize("text", FORTRAN_REJECTS)
def test_fortran_base_rejects(text: str) -> None:
    assert not accepts(base_grammar("fortran"), text + "\n")


def test_short_word_is_exactly_the_yaml_strings() -> None:
    """SHORT_WORD is spelled out by hand; it must equal 'letters that YAML reads as a string'."""
    pattern = re.search(r"^SHORT_WORD: /(.*)/$", base_grammar("ansible"), re.M).group(1)
    word = re.compile(pattern)
    rng = random.Random(0)
    samples = ["yes", "No", "OFF", "null", "true", "nginx", "y", "n", "git", "Nul", "Ye"]
    samples += [
        "".join(rng.choice(string.ascii_letters) for _ in range(rng.randint(1, 5))) for _ in range(3000)
    ]
    for w in samples:
        assert bool(word.fullmatch(w)) == isinstance(yaml.safe_load(w), str), w


@pytest.mark.parametrize("lang", ["ansible", "bash", "fortran"])
def test_base_grammars_are_lint_clean(lang: str) -> None:
    assert lint(base_grammar(lang), samples=40) == []


def test_lint_catches_a_lexeme_boundary_problem() -> None:
    issues = lint("start: A B\nA: /a+/\nB: /ab/", samples=30)
    assert [i.kind for i in issues] == ["llguidance-rejects"]
    assert re.fullmatch("a+ab", issues[0].witness)


def test_lint_flags_lark_only_features() -> None:
    priority = " ".join(i.message for i in lint("start: A\nA.2: /a+/", samples=5))
    assert "priority" in priority
    lazy = lint("start: A\nA: /a+?/", samples=5)
    assert any("lazy quantifier" in i.message for i in lazy)


# ---- specialised


def bash_grammar() -> str:
    return build_grammar("bash", pick("bash", "ls", "grep", "find", "xargs", "tar")).text


@pytest.mark.parametrize(
    "text",
    [
        "ls -la --color=auto /tmp",
        "ls {{[-a|--all]}} {{path/to/dir}}",
        "find . -type f -name '*.log' -exec grep -l ERROR {} \\;",
        "find . -name '*.o' | xargs -0 -n 1 ls -l",
        "tar -czvf out.tar.gz dir",
        "tar --create --file=out.tar dir",
        "grep -e foo -- -x",
        "ls -l `find . -name '*.c' | xargs grep -l main` | tar -cf x.tar -T -",
        "grep -e `ls pat` x",
        "find . -type d -exec ls new/{} \\; | xargs -I{} ls {}/x",  # braces in words and attached values
        "find . -exec grep -l x {} \\+ -exec ls '{}' '+' -exec ls {} \";\"",  # every way to pass `+` or `;`
        "find . -print0 | xargs -0 ls -l --",  # `--` and no operand after it: xargs appends them
        "find . -mtime -7 -size -100k | tar -cf - -T -",  # negative numbers and `-` as values
        "find . -mtime -$DAYS -not -name '*.gz' -perm -u+s",  # an expression or a mode may read as a flag
        "grep --include=" + "x" * 40 + " -e y `grep --include=" + "x" * 40 + " z`",  # long attached values
    ],
)
def test_bash_specialised_accepts_documented_flags(text: str) -> None:
    assert accepts(bash_grammar(), text)


@pytest.mark.parametrize(
    "text",
    [
        "ls --no-such-flag",
        "ls -Z9q",
        "sort file",
        "grep -rn TODO . | sort",
        "xargs rm",
        "find . -exec rm {}",
        "ls `sort f`",
        "ls `ls --no-such-flag`",
        "ls `grep -e\\$x f`",
        "grep -e --count f",
        "ls `grep -e -c f`",
        "tar -f -x",
    ],  # a value that reads as a flag
)
def test_bash_specialised_rejects_undocumented(text: str) -> None:
    assert not accepts(bash_grammar(), text)


def tldr_page_records() -> list[DocRecord]:
    """Two training tldr pages as TldrSource reads them: one runs a sub-command, one its program."""
    pages = {
        "aws-s3-sync": ["aws s3 sync {{dir}} s3://{{bucket}}", "aws s3 sync . s3://x --delete"],
        "pacman-remove": ["sudo pacman -Rs {{package}}", "sudo pacman -R --noconfirm {{package}}"],
    }
    out = []
    for page, codes in pages.items():
        examples = [Example(nl=f"example {i}", code=c) for i, c in enumerate(codes)]
        command = invocation(page, examples)
        schema = {"options": example_flags(command, examples)}
        out.append(DocRecord(dsl="bash", name=page, aliases=[command], summary="", text="", schema=schema))
    return out


@pytest.mark.parametrize("text", ["aws s3 sync . s3://b/x --delete", "pacman -Rs --noconfirm vim"])
def test_tldr_pages_write_the_invocation_their_examples_run(text: str) -> None:
    records = [*pick("bash", "ls"), *tldr_page_records()]
    assert accepts(build_grammar("bash", records).text, text)
    assert check_bash(text, [schema_of(r) for r in records]) == []


def test_check_bash_reads_invocations_of_several_words_and_joins_a_programs_documents() -> None:
    aws, pacman = (schema_of(r) for r in tldr_page_records())
    ls = schema_of(pick("bash", "ls")[0])
    also_pacman = replace(ls, name="pacman")  # another page of the program (a man page): its flags count too
    assert check_bash("aws s3 sync . s3://b --delete", [aws]) == []
    assert check_bash("aws s3 ls", [aws]) == ["undocumented command 'aws'"]
    assert check_bash("pacman -Rs x && pacman -la", [pacman, also_pacman]) == []
    assert check_bash("pacman --query", [pacman, also_pacman]) == ["pacman: undocumented flag '--query'"]


def ansible_grammar() -> str:
    return build_grammar(
        "ansible",
        pick(
            "ansible",
            "ansible.builtin.apt",
            "ansible.builtin.copy",
            "ansible.builtin.uri",
            "ansible.builtin.command",
        ),
    ).text


def test_ansible_specialised_accepts_documented_options() -> None:
    g = ansible_grammar()
    assert accepts(g, ANSIBLE_TASK)
    assert accepts(
        g, "- name: Copy\n  ansible.builtin.copy:\n    mode: '0644'\n    dest: /etc/x.conf\n    src: x.conf"
    )
    assert accepts(
        g, '- name: Get\n  uri:\n    url: "https://example.com"\n    status_code:\n      - 200\n      - 201'
    )
    assert accepts(g, "- name: Build\n  ansible.builtin.command: make all\n  register: out")


@pytest.mark.parametrize(
    "text",
    [
        "- name: x\n  ansible.builtin.apt:\n    name: nginx\n    colour: red",  # undocumented key
        "- name: x\n  ansible.builtin.apt:\n    state: sideways",  # not a documented choice
        "- name: x\n  ansible.builtin.copy:\n    src: a.conf",  # required dest missing
        "- name: x\n  ansible.builtin.apt:\n    state: present\n    state: absent",  # repeated key
        "- name: x\n  ansible.builtin.apt:\n    name: a\n    pkg: b",  # option and its alias
        "- name: x\n  ansible.builtin.apt:\n    update_cache: sometimes",  # not a bool
        "- name: x\n  ansible.builtin.yum:\n    name: nginx",  # module not retrieved
        "- name: x\n  ansible.builtin.apt:\n    name: nginx\n  become: true\n  become: false",
    ],
)
def test_ansible_specialised_rejects(text: str) -> None:
    assert not accepts(ansible_grammar(), text)


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("'{{ wanted }}'", True),
        ("\"{{ item.state | default('present') }}\"", True),
        ("'{{ x | d({}) }}'", True),  # an empty dict inside
        ("\"{{ {'a': 1} | dict2items | length }}\"", True),  # a dict literal after a space
        ("'{{{ restarted }}}'", False),  # braces first and last inside: no expression
        ("'{{ ansible_enginx'' }}\" }}\" }}\"'' }}'", False),  # `}}` inside
    ],
)
def test_an_options_template_is_one_expression_between_its_braces(value: str, accepted: bool) -> None:
    text = f"- name: x\n  ansible.builtin.apt:\n    name: nginx\n    state: {value}"
    assert accepts(ansible_grammar(), text) is accepted


def test_a_choice_the_request_states_takes_no_template() -> None:
    records = pick("ansible", "ansible.builtin.service")
    text = "- name: restart nginx\n  ansible.builtin.service:\n    name: nginx\n    state: {}"
    free = build_grammar("ansible", records).text
    stated = build_grammar("ansible", records, stated_choices={"state"}).text
    assert accepts(free, text.format("'{{ wanted }}'")) and accepts(free, text.format("restarted"))
    assert not accepts(stated, text.format("'{{ wanted }}'")) and accepts(stated, text.format("restarted"))


@pytest.mark.parametrize(
    "text",
    [
        # values Ansible's argument-spec validation converts: a template, a quoted number or boolean
        '- name: x\n  uri:\n    url: a\n    timeout: "30"\n    validate_certs: "{{ verify }}"',
        "- name: x\n  uri:\n    url: a\n    return_content: True\n    force: 'yes'\n    use_proxy: 0",
        # a dict without suboptions and a raw value take any keys, nested
        "- name: x\n  uri:\n    url: a\n    headers:\n      Content-Type: application/json\n"
        '    body:\n      items:\n        - id: 1\n          tags:\n            - a\n      "a key": {}',
        # an optional list without default left empty is the option left out; an empty list
        "- name: x\n  ansible.builtin.apt:\n    name:\n    state: present",
        "- name: x\n  uri:\n    url: a\n    status_code: []",
        # task keywords in block form
        "- name: x\n  ansible.builtin.command: ls\n  loop:\n    - name: web\n      ports:\n        - 80\n"
        '    - name: db\n  when:\n    - a is defined\n    - b\n  register: "_out"',
        "- name: x\n  ansible.builtin.command: ls\n  vars:\n    users:\n      - alice\n    opts:\n      a: 1",
        # a 40-letter word and a 200-character string
        "- name: x\n  ansible.builtin.apt:\n    name: "
        + "a" * 40
        + '\n    default_release: "'
        + "b " * 100
        + '"',
    ],
)
def test_ansible_specialised_accepts_what_ansible_accepts(text: str) -> None:
    assert accepts(ansible_grammar(), text)


@pytest.mark.parametrize(
    "text",
    [
        "- name: x\n  uri:\n    url: a\n    timeout: soon",  # no int
        '- name: x\n  uri:\n    url: a\n    force: "2"',  # no boolean Ansible knows
        "- name: x\n  uri:\n    url: a\n    headers:",  # null where the option has a default
        "- name: x\n  uri:\n    url: a\n    status_code:\n      a: 1",  # a mapping for a list
        "- name: x\n  uri:\n    url: '" + "b" * 201 + "'",  # strings end within 200 characters
        "- name: x\n  ansible.builtin.apt:\n    name: vim\n    deb: x.deb",  # mutually exclusive (name: package)
        "- name: x\n  ansible.builtin.apt:\n    upgrade: dist\n    deb: x.deb",
    ],
)
def test_ansible_specialised_rejects_what_ansible_refuses(text: str) -> None:
    assert not accepts(ansible_grammar(), text)


def test_ansible_check_takes_the_values_ansible_converts() -> None:
    modules = [schema_of(r) for r in pick("ansible", "ansible.builtin.uri", "ansible.builtin.apt")]
    ok = "- name: x\n  uri:\n    url: a\n    timeout: '30'\n    force: 'On'\n    use_proxy: 1\n"
    assert check_ansible(ok, modules) == []
    assert check_ansible("- name: x\n  ansible.builtin.apt:\n    name:\n", modules) == []
    assert check_ansible("- name: x\n  uri:\n    url: a\n    timeout: 1.5\n", modules)
    assert check_ansible("- name: x\n  uri:\n    url: a\n    force: maybe\n", modules)
    assert check_ansible("- name: x\n  uri:\n    url: a\n    headers:\n", modules)  # has a default
    assert check_ansible("- name: x\n  uri:\n    url: a\n    status_code:\n      a: 1\n", modules)


@pytest.mark.parametrize(
    ("description", "required"),
    [
        ("The API token. If not set, the value of the HCLOUD_TOKEN environment variable is used.", False),
        ("vCenter host. You may omit this option by setting the environment variable VMWARE_HOST.", False),
        ("Environment variables to set for the container.", True),
    ],
)
def test_a_required_option_with_an_environment_fallback_may_be_left_out(
    description: str, required: bool
) -> None:
    record = DocRecord(
        dsl="ansible",
        name="acme.cloud.server",
        summary="",
        text="",
        schema={"options": {"token": {"type": "str", "required": True, "description": description}}},
    )
    assert schema_of(record).options[0].required is required


@pytest.mark.parametrize(
    "request_text",
    ["Install nginx", "Copy a file: keep its mode", "Set state to yes", "Résumé # not a comment"],
)
def test_ansible_named_task_is_one_task_with_the_request_as_its_name(request_text: str) -> None:
    records = pick("ansible", "ansible.builtin.apt")
    g = build_grammar("ansible", records, task_name=request_text).text
    name = task_name_scalar(request_text)
    task = f"- name: {name}\n  ansible.builtin.apt:\n    name: nginx"
    assert yaml.safe_load(task)[0]["name"] == request_text  # YAML reads the request back unchanged
    assert accepts(g, task)
    assert not accepts(g, "- name: Something else\n  ansible.builtin.apt:\n    name: nginx")
    assert not accepts(g, task + "\n" + task)  # one task per request
    assert accepts(g, task + "\n")  # a final line end, as in the EXAMPLES the model learned
    assert not accepts(g, task + "\n\n")


def test_bash_leading_command_grammar_starts_with_the_best_documented_command() -> None:
    records = pick("bash", "ls", "grep", "find", "xargs", "tar")
    g = build_grammar("bash", records, leading_command=True).text
    assert accepts(g, "ls -la | grep -i foo && find . -name x | xargs ls")
    assert accepts(g, "LC_ALL=C ls $(find . -name x) | tar -cf x.tar -T -")
    assert not accepts(g, "find . -name '*.py' | xargs grep -l TODO")  # `ls` ranks first
    assert not accepts(g, "for f in a b; do ls $f; done")
    assert not accepts(g, "ls | for f in a b; do ls $f; done")
    assert not accepts(g, "if ls x; then ls y; fi")
    assert accepts(build_grammar("bash", records).text, "for f in a b; do ls $f; done")


def test_fortran_specialised_is_a_sublanguage_of_the_base_grammar() -> None:
    spec = build_grammar("fortran", pick("fortran", "dgemm", "sqrt", "sum", "cpu_time"))
    matcher = matcher_for(spec.text)
    rng = random.Random(3)
    samples = [s for s in (walk(matcher, rng, max_bytes=1500) for _ in range(15)) if s]
    assert len(samples) >= 10
    for sample in samples:
        assert accepts(base_grammar("fortran"), sample + "\n"), sample
        assert sample.startswith("program main\nimplicit none\n") and sample.endswith("end program main")


def test_fortran_specialised_rejects_undeclared_names_and_wrong_arity() -> None:
    g = build_grammar("fortran", pick("fortran", "daxpy", "sqrt")).text
    head = (
        "program main\nimplicit none\ninteger :: n, incx, incy\nreal(8) :: da, x\nreal(8) :: dx(10), dy(10)\n"
    )
    assert accepts(g, head + "call daxpy(n,da,dx,incx,dy,incy)\nend program main")
    assert accepts(g, head + "x = sqrt(da)\nend program main")
    assert not accepts(g, head + "call daxpy(n,da,dx,incx,dy)\nend program main")  # 5 of 6 arguments
    assert not accepts(g, head + "y = 1.0d0\nend program main")  # y is not declared
    assert not accepts(g, head + "call dgemm(n)\nend program main")  # not retrieved
    assert not accepts(g, head + "do n = 1, 5\nn = 2\nend do\nend program main")  # assigns the do variable


def test_empty_language_is_an_error() -> None:
    with pytest.raises(GrammarError, match="leave nothing to generate"):
        build_grammar("bash", [])
    with pytest.raises(GrammarError):
        build_grammar("ansible", pick("bash", "ls"))  # records of another language
    with pytest.raises(GrammarError, match="no grammar"):
        build_grammar("cobol", [])


def test_explain_lists_the_constraints() -> None:
    spec = build_grammar("ansible", pick("ansible", "ansible.builtin.copy"))
    assert "ansible.builtin.copy" in spec.explain() and "required: dest" in spec.explain()
    assert spec.documents == ["ansible.builtin.copy"]


def test_fortran_argument_rank_counts_only_top_level_dimension_commas() -> None:
    from codegen.grammar.fortran import argument_kind

    assert argument_kind("DOUBLE PRECISION array, dimension(LDA,*)") == ("real", 2)
    assert argument_kind("INTEGER array, dimension (min(M,N))") == ("integer", 1)  # dgetrf's IPIV
    assert argument_kind("INTEGER(KIND=MPI_ADDRESS_KIND)") == ("integer", 0)
    assert argument_kind("integer(kind=**)") == ("integer", 0)
    assert argument_kind("COMPLEX*16 array, dimension(N)") is None


def test_fortran_openmp_loop_directive_named_as_in_the_index_enables_parallel_loops() -> None:
    directive = DocRecord(
        dsl="fortran",
        name="!$omp parallel do",
        summary="Parallelize a DO loop",
        text="",
        source="dslgen:openmp.json",
        version="5.2",
        schema={"kind": "openmp_directive", "procedure": "directive", "arguments": [], "clauses": []},
    )
    code = (
        "program main\nimplicit none\ninteger :: i\nreal(8) :: x\n!$omp parallel do\ndo i = 1, 10\n"
        "x = 2.0d0\nend do\n!$omp end parallel do\nend program main"
    )
    assert accepts(build_grammar("fortran", [directive]).text, code)
    assert not accepts(build_grammar("fortran", pick("fortran", "sum")).text, code)


def _acme_policy_grammar() -> tuple[str, list]:
    record = DocRecord(
        dsl="ansible",
        name="acme.cloud.policy",
        summary="",
        text="",
        schema={"options": {"policy": {"type": "json"}, "tags": {"type": "dict"}, "name": {"type": "str"}}},
    )
    return build_grammar("ansible", [record]).text, [schema_of(record)]


@pytest.mark.parametrize(
    "args",
    [
        # a `json` option takes JSON text or YAML data (Ansible serialises it: check_type_jsonarg)
        "policy:\n      Version: '2012-10-17'\n      Statement:\n        - Effect: Allow\n"
        '          Action: "logs:CreateLogGroup"',
        'policy: \'{"Version": "2012-10-17"}\'',
        "policy:\n      - a\n      - b",
        # a key without a value inside a free-form dict is YAML's null
        "tags:\n      Env:\n      Team: web",
        "tags:\n      Env:",
    ],
)
def test_ansible_free_form_values_take_json_data_and_nulls(args: str) -> None:
    grammar, modules = _acme_policy_grammar()
    text = f"- name: x\n  acme.cloud.policy:\n    {args}"
    assert check_ansible(text, modules) == []
    assert accepts(grammar, text)


@pytest.mark.parametrize("args", ["policy: 5", "policy: true", "name: a\n    tags: 3"])
def test_ansible_json_options_refuse_numbers_and_booleans(args: str) -> None:
    grammar, modules = _acme_policy_grammar()
    text = f"- name: x\n  acme.cloud.policy:\n    {args}"
    assert check_ansible(text, modules)
    assert not accepts(grammar, text)


@pytest.mark.parametrize(
    "keywords",
    [
        "until:\n    - out is not failed\n    - out.rc == 0\n  retries: 5",
        'async: "{{ timeout }}"\n  poll: 0',
        'delay: "{{ pause }}"\n  throttle: 2',
        "with_dict:\n    alice: one\n    bob:\n      - a\n      - b",
        "with_file: /path/to/idp/metadata.xml",
        'args: "{{ ldap_auth }}"',
        "loop:\n    - name: a\n      env:\n        key1: first\n        key2: second",
        "vars:\n    params:\n      files:\n        - a.yaml\n        - b.yaml\n      paths:\n        - vars",
        "register: gather_administrator_user_exact_match_result",
    ],
)
def test_ansible_task_keyword_forms(keywords: str) -> None:
    text = f"- name: x\n  ansible.builtin.command: ls\n  {keywords}"
    assert check_ansible(text, [schema_of(r) for r in pick("ansible", "ansible.builtin.command")]) == []
    assert accepts(ansible_grammar(), text)


@pytest.mark.parametrize(
    ("name", "aliases", "examples", "expected"),
    [
        (
            "gcloud-pubsub-topics-update",
            ["gcloud pubsub topics update"],
            [],
            ("gcloud pubsub topics update",),
        ),
        ("nix3-registry-pin", ["nix registry pin"], [], ("nix registry pin",)),
        ("autopep8", ["python3 autopep8.py"], [], ("autopep8", "python3 autopep8.py")),  # not a sub-command
        (
            "hledger",
            ["This is the command-line interface (CLI) for the hledger accounting tool."],
            [],
            ("hledger",),
        ),
        (
            "ansible-inventory",
            ["ansible inventory"],
            ["ansible-inventory --list"],
            ("ansible-inventory", "ansible inventory"),
        ),
        ("git-commit", ["git commit"], ["git commit -m {{msg}}"], ("git commit",)),
    ],
)
def test_a_bash_page_is_written_as_a_command_line_invokes_it(name, aliases, examples, expected) -> None:
    record = DocRecord(
        dsl="bash", name=name, aliases=aliases, summary="", text="", schema={},
        examples=[Example(nl="x", code=c) for c in examples],
    )  # fmt: skip
    assert schema_of(record).invocations == expected


def _constrained_module(extra: int = 0) -> DocRecord:
    options = {n: {"type": "str"} for n in ("a", "b", "c", "d", *(f"o{i}" for i in range(extra)))}
    schema = {
        "options": options,
        "mutually_exclusive": [["a", "b"]],
        "required_one_of": [["a", "b"]],
        "required_together": [["c", "d"]],
    }
    return DocRecord(dsl="ansible", name="x.y.z", summary="", text="", schema=schema)


@pytest.mark.parametrize(
    ("keys", "accepted"),
    [
        ("a: 1", True),
        ("b: 1\n    c: 1\n    d: 2", True),
        ("", False),  # one of a, b is required
        ("c: 1\n    d: 2", False),
        ("a: 1\n    b: 2", False),  # a and b exclude each other
        ("a: 1\n    c: 1", False),  # c and d go together
    ],
)
def test_ansible_grammar_keeps_the_argument_spec_groups(keys: str, accepted: bool) -> None:
    grammar = build_grammar("ansible", [_constrained_module()], task_name="t").text
    text = "- name: t\n  x.y.z:" + (f"\n    {keys}" if keys else "")
    assert accepts(grammar, text) == accepted


def test_a_key_a_group_still_needs_fits_past_the_key_cap() -> None:
    from codegen.grammar.ansible import MAX_KEYS

    grammar = build_grammar("ansible", [_constrained_module(extra=MAX_KEYS)], task_name="t").text
    filler = "".join(f"\n    o{i}: v" for i in range(MAX_KEYS - 1))
    assert accepts(grammar, f"- name: t\n  x.y.z:{filler}\n    c: 1\n    d: 2\n    a: 1")
    assert not accepts(grammar, f"- name: t\n  x.y.z:{filler}\n    o{MAX_KEYS - 1}: v\n    a: 1\n    c: 1")


@pytest.mark.parametrize(
    ("keys", "accepted"),
    [
        ("src: app.conf\n    dest: /etc/app/", True),
        ("content: x\n    dest: /etc/app/app.conf", True),
        ("src: app.conf\n    content: x\n    dest: /etc/app/", False),  # plugins/action/copy.py refuses both
        ("dest: /etc/app/\n    mode: '0644'", False),  # ...and neither
    ],
)
def test_ansible_grammar_keeps_the_action_plugin_rules(keys: str, accepted: bool) -> None:
    grammar = build_grammar("ansible", pick("ansible", "ansible.builtin.copy"), task_name="t").text
    assert accepts(grammar, f"- name: t\n  ansible.builtin.copy:\n    {keys}") == accepted


def _validate_fixture(name: str) -> DocRecord:
    from tests.test_ansible_actions import BY_NAME

    return BY_NAME[name]


@pytest.mark.parametrize(
    ("keys", "accepted"),
    [
        ("path: /mnt\n    state: present\n    src: /dev/sdb1\n    fstype: ext4", True),
        ("src: /dev/sdb1\n    fstype: ext4\n    state: mounted\n    path: /mnt", True),
        ("path: /mnt\n    state: absent", True),
        ('path: /mnt\n    state: "{{ wanted }}"', True),  # a template: known only at run time
        ("path: /mnt\n    state: present\n    src: /dev/sdb1", False),  # required_if: fstype too
        ("path: /mnt\n    state: ephemeral", False),
    ],
)
def test_ansible_grammar_keeps_required_if(keys: str, accepted: bool) -> None:
    """ansible.posix.mount: state=present/mounted/ephemeral needs src and fstype (real module data)."""
    grammar = build_grammar("ansible", [_validate_fixture("ansible.posix.mount")], task_name="t").text
    assert accepts(grammar, f"- name: t\n  ansible.posix.mount:\n    {keys}") == accepted


@pytest.mark.parametrize(
    ("keys", "accepted"),
    [
        ("src: a", True),
        ("state: absent", True),
        ("state: present\n    src: a", True),
        ("owner: root", False),  # state defaults to present, which needs src
        ("state: present", False),
    ],
)
def test_ansible_grammar_required_if_holds_for_a_default(keys: str, accepted: bool) -> None:
    options = {
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "src": {"type": "str"},
        "owner": {"type": "str"},
    }
    schema = {"options": options, "required_if": [["state", "present", ["src"]]]}
    record = DocRecord(dsl="ansible", name="x.y.z", summary="", text="", schema=schema)
    grammar = build_grammar("ansible", [record], task_name="t").text
    assert accepts(grammar, f"- name: t\n  x.y.z:\n    {keys}") == accepted


@pytest.mark.parametrize(
    ("keys", "accepted"),
    [
        ("name: nginx\n    state: restarted", True),
        ("daemon_reload: true", True),
        ("state: restarted", False),  # required_by: state needs name
        ("masked: true\n    daemon_reload: true", False),
    ],
)
def test_ansible_grammar_keeps_required_by(keys: str, accepted: bool) -> None:
    grammar = build_grammar(
        "ansible", [_validate_fixture("ansible.builtin.systemd_service")], task_name="t"
    ).text
    assert accepts(grammar, f"- name: t\n  ansible.builtin.systemd_service:\n    {keys}") == accepted


@pytest.mark.parametrize(
    ("keys", "accepted"),
    [
        ("chain: INPUT", True),
        ("flush: true", True),
        ("flush: 'yes'", True),
        ("flush: 'no'\n    chain: INPUT", True),
        ("", False),  # flush defaults to false, which needs chain (iptables' required_if)
        ("flush: no", False),
        ("flush: '0'", False),
    ],
)
def test_ansible_grammar_required_if_on_a_bool_key(keys: str, accepted: bool) -> None:
    grammar = build_grammar("ansible", [_validate_fixture("ansible.builtin.iptables")], task_name="t").text
    text = "- name: t\n  ansible.builtin.iptables:" + (f"\n    {keys}" if keys else "")
    assert accepts(grammar, text) == accepted
