"""The policy documents: loading them with their metadata and splitting them into clauses."""
