"""Spreadsheets in and out: XLSX/CSV imports with a per-row report, templates and exports."""
