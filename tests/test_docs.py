"""The README is checked like code: every command and option it shows exists, every command is documented, and
every Make target it names exists. Commands are found in code blocks (bash, bat) and in inline code, in README.md
and addin/README.md (the checklist IT staff follow in Windows)."""

from __future__ import annotations

import re
from pathlib import Path

import click

from xxgk.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = {"README.md": README, "addin/README.md": (ROOT / "addin" / "README.md").read_text(encoding="utf-8")}
_INVOCATION = re.compile(r"(?:^|[\s/\\])xxgk(?:\.exe)?[ \t]+(.*)$")  # xxgk …, .venv/bin/xxgk …, python -m xxgk …


def _snippets(text: str) -> list[str]:
    """Lines of the code blocks (continuations joined) and the inline code spans outside them."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, re.S)
    lines = "\n".join(blocks).replace("\\\n", " ").splitlines()
    prose = re.sub(r"```[a-z]*\n.*?```", "", text, flags=re.S)
    return [re.sub(r"\s#.*", "", line) for line in lines] + re.findall(r"`([^`\n]+)`", prose)


def _shown_commands(text: str) -> list[list[str]]:
    """The words after `xxgk` of every command line shown, up to a redirection or pipe."""
    out = []
    for snippet in _snippets(text):
        m = _INVOCATION.search(snippet)
        if m:
            words = m.group(1).split()
            cut = next((i for i, w in enumerate(words) if w[:1] in (">", "|", "<")), len(words))
            out.append(words[:cut])
    return out


def _resolve(words: list[str]) -> tuple[click.Command, list[str], list[str]]:
    """The (sub)command the words name, the path to it, and the words left (options and arguments)."""
    command: click.Command = main
    path: list[str] = []
    while isinstance(command, click.Group) and words and not words[0].startswith("-"):
        sub = command.commands.get(words[0])
        assert sub is not None, f"`xxgk {' '.join(path + words)}`: no command {words[0]!r}"
        command, path, words = sub, [*path, words[0]], words[1:]
    return command, path, words


def _all_commands(group: click.Group = main, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    """Every leaf command's words (`addin install`, not `addin`)."""
    out = []
    for name, command in group.commands.items():
        out += _all_commands(command, (*path, name)) if isinstance(command, click.Group) else [(*path, name)]
    return out


def test_readme_shows_make_demo_and_make_test_first() -> None:
    quick_start = README.split("---", 1)[0]
    assert "make demo" in quick_start and "make test" in quick_start
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"make (\w+)", README):
        assert re.search(rf"^{target}:", makefile, re.M), f"README names `make {target}`, the Makefile has no such target"


def test_every_command_and_option_in_the_docs_exists() -> None:
    for doc, text in DOCS.items():
        shown = _shown_commands(text)
        assert len(shown) >= (10 if doc == "README.md" else 3), doc
        for words in shown:
            command, path, rest = _resolve(words)
            known = {opt for p in command.get_params(click.Context(command)) for opt in getattr(p, "opts", [])}
            for word in rest:
                option = word.strip("[]").split("=", 1)[0]
                if option.startswith("-"):
                    assert option in known, f"{doc} shows {option} for `xxgk {' '.join(path)}`, which has no such option"


def test_every_command_and_option_is_documented_in_the_readme() -> None:
    """New commands and options (xxgk addin install/doctor, --annotate, --dry-run) cannot land undocumented."""
    shown = [_resolve(words) for words in _shown_commands(README)]
    used = {tuple(path) for _, path, _ in shown}
    for path in _all_commands():
        assert path in used, f"README never shows `xxgk {' '.join(path)}`"
        command, _, _ = _resolve(list(path))
        for param in (p for p in command.params if isinstance(p, click.Option)):
            assert any(re.search(rf"(?<![\w-]){re.escape(opt)}\b", README) for opt in param.opts), \
                f"README never mentions {'/'.join(param.opts)} of `xxgk {' '.join(path)}`"


def test_import_and_report_are_documented_in_chinese_then_english() -> None:
    """The import issue's commands: every option named in the Chinese guide and in the English part, and shown on
    a real report (淮安 2024)."""
    chinese, english = README.split("## English", 1)
    shown = [" ".join(words) for words in _shown_commands(chinese)]
    for name in ("import", "report"):
        command = main.commands[name]
        assert any(line.startswith(f"{name} ") and ("009_huaian_city_2024" in line or "淮安市2024年报" in line)
                   for line in shown), f"the Chinese guide shows no `xxgk {name}` of a real report"
        assert f"xxgk {name}" in english
        for param in (p for p in command.params if isinstance(p, click.Option)):
            assert any(o in chinese for o in param.opts), f"the Chinese guide never names {param.opts[-1]} of xxgk {name}"
            assert any(o in english for o in param.opts), f"the English part never names {param.opts[-1]} of xxgk {name}"
