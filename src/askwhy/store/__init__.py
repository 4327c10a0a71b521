"""Storage: SQLAlchemy tables, queries and Alembic migrations. No business rules here."""
