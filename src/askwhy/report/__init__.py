"""The offline HTML report with its CSV and JSON files: one folder a person can open or send."""
