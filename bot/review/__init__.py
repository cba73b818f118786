"""Review cards and mistakes (issue 15): making cards from answers, /review, /mistakes, and counts for /stats."""
