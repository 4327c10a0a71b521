"""The vocabulary of customer feedback. Imports no web, database or provider code."""
