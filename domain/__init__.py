"""The domain: tables, services (use cases), errors and ports. Imports nothing of the transports."""
