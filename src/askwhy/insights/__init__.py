"""Insight use cases over the store: import, enrich, theme, and measure customer feedback."""
