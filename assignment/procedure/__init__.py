"""The argument procedure after the draw (issue 14): material hand-over and the members' signed opinions."""
