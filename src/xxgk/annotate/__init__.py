"""Annotate a workbook with its validation result: a 校验结果 sheet, highlighted cells, a status line.

plan.py computes what to write (pure data); apply.py applies it through one small interface implemented for a
book open in Excel (xlwings_book.py) and for a file copy (file_book.py); run.py ties them to the library.
"""
