"""Domain services: use cases as plain async functions over a session (one unit of work)."""
