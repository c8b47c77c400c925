"""The `platform` command: parse options, call one core function, report, exit."""
