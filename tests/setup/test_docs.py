"""The docs keep up with the code: README.md starts with the two commands, every option of
`%%responses` and every `%responses` subcommand is in docs/reference.md, and every link in
README.md and docs/*.md leads to a file of the repository (and a heading of it).

The magics are read from a real IPython shell with the extension loaded, not from the
module that defines them, so the test holds however that module is laid out."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO
from IPython.core.interactiveshell import InteractiveShell

REFERENCE = REPO / "docs" / "reference.md"
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


@pytest.fixture(scope="module")
def magics():
    """The cell and line magics `%load_ext or_jupyter` registers, in a real shell."""
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "or_jupyter")
    return shell.magics_manager.magics


def magic_parser(function):
    """The argparse parser IPython's `magic_arguments` hung on the magic's function."""
    seen = set()
    while function is not None and id(function) not in seen:
        seen.add(id(function))
        parser = getattr(function, "parser", None)
        if parser is not None:
            return parser
        function = getattr(function, "__func__", None) or getattr(function, "__wrapped__", None)
    raise AssertionError("the %%responses cell magic has no magic_arguments parser")


def subcommands(docstring: str) -> list[str]:
    """The first word of each alternative of a usage line `a [X] | b [Y | Z] | c`.

    Alternatives are split at ` | ` outside brackets; `on|off` inside one stays whole."""
    text = " ".join(docstring.split())
    text = text.removeprefix("%responses").strip()
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if depth == 0 and text.startswith(" | ", i):
            parts.append(text[start:i])
            start = i + 3
    parts.append(text[start:])
    return [part.split()[0] for part in parts if part.strip()]


def prose(markdown: str) -> str:
    """Markdown without fenced code blocks and code spans: where links are links."""
    return CODE_SPAN.sub("", FENCE.sub("", markdown))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, code marks and punctuation dropped,
    spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """Every heading's anchor; a repeated heading gets `-1`, `-2`, ... as on GitHub."""
    found, counts = set(), {}
    for heading in HEADING.findall(FENCE.sub("", markdown)):
        base = slug(heading)
        n = counts.get(base, 0)
        counts[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def broken_links(path: Path, repo: Path) -> list[str]:
    """The relative links of a Markdown file that lead nowhere in `repo`, as `target: why`."""
    text = path.read_text()
    broken = []
    for target in LINK.findall(prose(text)):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue  # http(s), mailto: not fetched here
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / file_part).resolve() if file_part else path
        if not resolved.is_relative_to(repo.resolve()):
            broken.append(f"{target}: outside the repository")
        elif not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved.read_text()):
            broken.append(f"{target}: no heading #{anchor} in {resolved.name}")
    return broken


def test_the_readme_starts_with_make_lab_and_make_test():
    lines = [line for line in REPO.joinpath("README.md").read_text().splitlines() if line]
    assert lines[0].startswith("# ")
    assert lines[1] == "```bash"
    commands = [line.split("#")[0].strip() for line in lines[2:4]]
    assert commands == ["make lab", "make test"]
    assert lines[4] == "```"


def test_every_option_of_the_cell_magic_is_in_the_reference(magics):
    reference = REFERENCE.read_text()
    options = [
        option
        for action in magic_parser(magics["cell"]["responses"])._actions
        for option in action.option_strings
        if option not in ("-h", "--help")
    ]
    assert len(options) > 20, options  # the parser was found and read
    missing = [
        option for option in options if not re.search(rf"`{re.escape(option)}[` ]", reference)
    ]
    assert not missing, f"options of %%responses missing from docs/reference.md: {missing}"


def test_every_subcommand_of_the_line_magic_is_in_the_reference(magics):
    reference = REFERENCE.read_text()
    names = subcommands(magics["line"]["responses"].__doc__ or "")
    assert len(names) >= 10, names  # the docstring was found and read
    missing = [name for name in names if f"`%responses {name}" not in reference]
    assert not missing, f"%responses subcommands missing from docs/reference.md: {missing}"


@pytest.mark.parametrize("path", DOCS, ids=lambda path: path.name)
def test_every_link_leads_to_a_file_and_heading_of_the_repository(path):
    assert not broken_links(path, REPO)


@pytest.mark.slow  # a subprocess
def test_the_python_blocks_of_the_docs_are_ruff_formatted():
    ruff = Path(sys.executable).with_name("ruff")
    paths = [str(path.relative_to(REPO)) for path in DOCS]
    done = subprocess.run(
        [str(ruff), "format", "--check", *paths], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_link_to_a_missing_file_or_heading_is_reported(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other\n\n## The `cell` magic: options\n")
    page = tmp_path / "docs" / "page.md"
    page.write_text(
        "# Page\n\n## Same heading\n\n## Same heading\n\n"
        "[fine](other.md#the-cell-magic-options) [fine](#same-heading-1) "
        "[web](https://example.org/missing) `[code](nowhere.md)`\n\n"
        "```\n[fenced](nowhere.md)\n```\n\n"
        "[gone](missing.md) [no heading](other.md#nothing) [up](../../outside.md)\n"
    )
    assert broken_links(page, tmp_path) == [
        "missing.md: no such file",
        "other.md#nothing: no heading #nothing in other.md",
        "../../outside.md: outside the repository",
    ]


def test_subcommands_are_read_from_a_usage_line():
    usage = """%responses config [key=value ...] | tools [drop NAME[,NAME] | clear] [CHAT]
        | offline on|off | cache on [PATH]|off|clear|stats"""
    assert subcommands(usage) == ["config", "tools", "offline", "cache"]
