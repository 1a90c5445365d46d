"""One function per operation, shared by GraphQL and REST.

principal + arguments -> domain service -> result.
"""
