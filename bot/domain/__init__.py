"""The pure domain: quiz model, scoring and scheduling rules. Standard library only."""
