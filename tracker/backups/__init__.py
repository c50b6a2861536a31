"""Backups of the SQLite database (`tracker backup`, `tracker restore`); PostgreSQL uses pg_dump."""
