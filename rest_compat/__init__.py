"""The documented /cpms/v1 and /emsp/v1 routes: parsing, the envelope, exact field names, OpenAPI."""
