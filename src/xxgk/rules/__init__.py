"""One rule AST, two compilers: Excel formulas (template) and a vectorised evaluator (many fills)."""
