"""The one error the store raises: its message says in plain words why the database cannot be
opened, migrated, backed up or restored."""


class StoreError(Exception):
    """The database cannot be opened or migrated; the message says why in plain words."""
