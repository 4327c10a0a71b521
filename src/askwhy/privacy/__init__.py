"""Erasure and retention of customers' personal data."""
