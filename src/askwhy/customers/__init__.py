"""Customers: their addresses on each channel, and their consent to be contacted."""
