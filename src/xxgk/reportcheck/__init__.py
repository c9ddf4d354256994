"""年报体检 (`xxgk check-report`): a published annual report checked as published: tables, sections, repeated
text, numbers in the text, publication date. The rules are data in templates/report_check.yaml."""
