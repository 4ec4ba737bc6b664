"""Profiles: the SQLite schema, migrations, repositories and the batched writer."""
