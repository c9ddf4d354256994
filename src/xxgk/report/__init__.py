"""Write the publishable annual report (docx, html, PDF) from a filled workbook: see xxgk.report.content."""
