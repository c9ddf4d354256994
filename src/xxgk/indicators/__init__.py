"""Indicators (issue 14 §2): rates over the form's cells, defined once in the form spec's `indicators:`.

    from xxgk.indicators import read_table
    table, unread = read_table([Path("收件箱")], previous=Path("去年"))
"""

from xxgk.indicators.collect import fills_table, read_table
from xxgk.indicators.compute import COLUMNS, REGION, UNIT, indicator_table
from xxgk.indicators.definitions import FLAG_NAMES, RED, SMALL, YELLOW, Indicator, indicators

__all__ = ["COLUMNS", "FLAG_NAMES", "RED", "REGION", "SMALL", "UNIT", "YELLOW", "Indicator", "fills_table",
           "indicator_table", "indicators", "read_table"]
