"""Click commands whose --help option is described in Chinese, for the xxgk CLI and its add-in group."""

from __future__ import annotations

import click


class ZhHelpCommand(click.Command):
    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option


class ZhHelpGroup(ZhHelpCommand, click.Group):
    command_class = ZhHelpCommand
