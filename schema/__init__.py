"""The GraphQL schema: Strawberry types, inputs, permissions, dataloaders and the root operations."""
