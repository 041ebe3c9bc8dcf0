"""The assurance decision: which `acr` a session may claim, and what is missing when it may not.

Pure code: plain values in, a decision out. Nothing here imports Flask or the database
(STYLE.md habit 3), so the table in DESIGN.md is tested row for row in tests/assurance/.
"""
