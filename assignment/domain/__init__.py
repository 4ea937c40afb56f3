"""Panel rules as plain functions: values in, decisions (or the problems found) out. No database, no
HTTP; the services read the records, ask these functions and store what they decide."""
