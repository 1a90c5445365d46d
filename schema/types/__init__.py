"""Strawberry object types, one module per noun of the graph."""
