"""Session-wide test settings."""

import os

# xlwings checks its licence when it is first imported: set before any test module imports it, so the
# remote-interpreter book (xw.Book(json=...), PolyForm Noncommercial) is available whatever the import order.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
# Portal passwords hashed at minimal argon2 cost, in this process and the `xxgk serve` it starts (seeding a portal
# hashed a dozen passwords at ~0.3 s each). tests/web/test_parts.py checks the production cost. Set it to 0 to run
# the suite at the production cost.
os.environ.setdefault("XXGK_INSECURE_TEST_PASSWORD_HASH", "1")


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
