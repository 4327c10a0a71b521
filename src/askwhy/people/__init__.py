"""The team: people, their roles per program, signing in and out of the workspace, and the audit log."""
