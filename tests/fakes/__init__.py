"""Fakes of the providers askwhy talks to, served on 127.0.0.1 for tests and benchmarks."""
