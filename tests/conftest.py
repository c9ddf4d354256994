"""Session-wide test settings."""

import os

# xlwings checks its licence when it is first imported: set before any test module imports it, so the
# remote-interpreter book (xw.Book(json=...), PolyForm Noncommercial) is available whatever the import order.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")


import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Under CI (`make test` installs LibreOffice, Chromium, PostgreSQL, fonts and every extra) a skipped
    test means a missing install step, not an optional feature: count it as a failure."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped under CI (a missing install step?): {reason}"
