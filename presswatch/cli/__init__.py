"""The `presswatch` command line: argument parsing (main.py), story tools, the demo and the
progress display. It calls the flows and the runs; nothing below imports it."""
