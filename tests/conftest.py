"""Session-wide test settings."""

import os

# xlwings checks its licence when it is first imported: set before any test module imports it, so the
# remote-interpreter book (xw.Book(json=...), PolyForm Noncommercial) is available whatever the import order.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
