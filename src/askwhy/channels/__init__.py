"""Channels: one module per channel, each translating a provider's wire format to askwhy's."""
