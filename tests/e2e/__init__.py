"""End-to-end tests: the real bot through the offline Discord test bed, in process or as a process."""
