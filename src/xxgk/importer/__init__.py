"""Import published annual reports (text, html, docx, PDF) into the template: see xxgk.importer.run."""
