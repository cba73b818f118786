"""Live quizzes at runtime: recording clicks, driving runs question by question, resuming after restarts."""
