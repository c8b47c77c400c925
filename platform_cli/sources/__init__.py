"""Where landscape files come from: the working tree, git objects, and the repository layout."""
