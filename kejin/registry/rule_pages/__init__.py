"""The list's rule pages: stages, labels and their rule versions."""
