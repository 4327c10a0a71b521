"""The task queue (Huey): built from settings, handed to the use cases that queue work."""
