"""Composition of chargegraph: settings, the ASGI app, its lifespan and the CLI."""
