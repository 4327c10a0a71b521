"""Background tasks, one module per area, each with ``register(jobs, container)``."""
