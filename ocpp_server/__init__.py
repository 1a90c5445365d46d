"""The OCPP central system: the websocket endpoint, per-version handlers and the command registry."""
