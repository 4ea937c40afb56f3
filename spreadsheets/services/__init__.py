"""Services of spreadsheets: imports (a job and its report), templates and exports."""
