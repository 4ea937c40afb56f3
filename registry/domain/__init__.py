"""Pure registry rules: no HTTP, no database. Each function takes plain data and returns decisions."""
