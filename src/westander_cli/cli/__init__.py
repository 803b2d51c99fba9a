"""The command line: argument parsing and exit codes only; the work happens below."""
