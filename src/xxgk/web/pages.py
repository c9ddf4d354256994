"""Jinja2 templates (server-rendered Chinese pages, no build step) and what every page needs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from xxgk.findings import code_name
from xxgk.labels import compact_cells, form_title
from xxgk.web import audit
from xxgk.web.deps import csrf_token
from xxgk.web.models import LEVELS, ROLES

templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
templates.env.globals.update(csrf_token=csrf_token, ROLES=ROLES, LEVELS=LEVELS, code_name=code_name,
                             form_title=form_title, action_text=audit.action_text, target_text=audit.target_text,
                             OUTCOMES=audit.OUTCOMES)
templates.env.filters["fromjson"] = json.loads
templates.env.filters["cells"] = lambda cells: compact_cells(tuple(cells or ()), most=8)
BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")  # one time zone for every user in China


def beijing(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time (naive UTC) as the wall-clock time users read on their PCs."""
    return value.replace(tzinfo=dt.timezone.utc).astimezone(BEIJING).replace(tzinfo=None) if value else None


def beijing_text(value: dt.datetime | None) -> str:
    local = beijing(value)
    return local.strftime("%Y-%m-%d %H:%M:%S") if local else ""


templates.env.filters["bj"] = beijing_text
templates.env.filters["bjdate"] = lambda value: beijing(value).date() if value else None  # type: ignore[union-attr]
SEVERITY = {"error": "错误", "warning": "警告"}
templates.env.globals["SEVERITY"] = SEVERITY


def render(request: Request, name: str, status_code: int = 200, **context: Any):
    context.setdefault("today", dt.datetime.now(BEIJING).date())
    return templates.TemplateResponse(request, name, context, status_code=status_code)
