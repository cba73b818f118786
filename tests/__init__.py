"""quizbot's tests; see the layout in README.md (Development)."""
