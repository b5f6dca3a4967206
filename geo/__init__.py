"""Places: boundaries, coordinates, spatial joins and the industry map."""
