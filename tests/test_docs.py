"""The README is checked like code: every command and option it shows exists, and every Make target it names."""

from __future__ import annotations

import re
from pathlib import Path

import click

from xxgk.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _shown_commands() -> list[str]:
    """The xxgk command lines of the README's code blocks, continuation lines joined."""
    blocks = re.findall(r"```bash\n(.*?)```", README, re.S)
    lines = "\n".join(blocks).replace("\\\n", " ").splitlines()
    return [re.sub(r"#.*", "", line) for line in lines if ".venv/bin/xxgk " in line]


def test_readme_shows_make_demo_and_make_test_first() -> None:
    quick_start = README.split("---", 1)[0]
    assert "make demo" in quick_start and "make test" in quick_start
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"make (\w+)", README):
        assert re.search(rf"^{target}:", makefile, re.M), f"README names `make {target}`, the Makefile has no such target"


def test_every_command_and_option_in_the_readme_exists() -> None:
    shown = _shown_commands()
    assert len(shown) >= 6
    for line in shown:
        words = line.split(".venv/bin/xxgk ", 1)[1].split()
        command = main.commands.get(words[0])
        assert isinstance(command, click.Command), f"README shows unknown command: {line}"
        known = {opt for p in command.params for opt in getattr(p, "opts", [])}
        for word in words[1:]:
            option = word.strip("[]")
            if option.startswith("-"):
                assert option in known, f"README shows {option} for `xxgk {words[0]}`, which has no such option"


def test_import_and_report_are_documented_in_chinese_then_english() -> None:
    """Every option of the import issue's commands is named, with an example from a real report (淮安 2024)."""
    chinese, english = README.split("## English", 1)
    shown = " ".join(_shown_commands())
    for name in ("import", "report"):
        command = main.commands[name]
        assert f".venv/bin/xxgk {name} " in shown and f"xxgk {name}" in english
        assert f"{name} 导入结果/009_huaian_city_2024" in shown or f"{name} 淮安市2024年报" in shown
        for param in command.params:
            opts = [o for o in getattr(param, "opts", []) if o != "--help"]
            if opts and isinstance(param, click.Option):
                assert any(o in chinese for o in opts), f"the Chinese guide never names {opts[0]} of xxgk {name}"
                assert any(o in english for o in opts), f"the English part never names {opts[0]} of xxgk {name}"
