"""Programs: which moments invite whom, on which channel, when, and how often (YAML, synced to the store)."""
