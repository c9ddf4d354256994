"""The Excel add-in's Python side: thin adapters over the library (buttons, live reading, worksheet functions, install)."""
