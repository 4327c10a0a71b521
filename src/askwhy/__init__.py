"""askwhy: conversational customer feedback that explains why metrics move."""

__version__ = "0.1.0"
