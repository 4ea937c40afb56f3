"""Pure rules about decision items and their procedure."""
