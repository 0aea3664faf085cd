"""The expression language and what reads its trees: evaluator, graph walker, playground."""
