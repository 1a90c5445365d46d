"""Alembic migrations of chargegraph's schema."""
