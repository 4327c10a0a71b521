"""Analysis: redaction, language, sentiment, embeddings, themes, drivers, change explanation.

Knows nothing of channels, HTTP or SQL.
"""
