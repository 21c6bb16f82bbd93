"""Finding the clauses that answer a question: dense vectors, BM25, fusion and the scope gate."""
