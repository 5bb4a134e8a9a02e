"""Seeing who must be won: the grid, the influence map, the decision count,
stance over time and the rhythm of contact. Plain functions over loaded rows,
so each page runs a fixed number of queries however many people it shows."""
