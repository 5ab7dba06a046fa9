"""The rules folder as data: the layout (which file holds what), the fact and treatment vocabularies, rule files
and their conditions, fixtures, and the validated catalog built from them."""
