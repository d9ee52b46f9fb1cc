"""Running one EPIC function over every record of a dataset (`epic map`, `Program.map`).

The pipeline, one module each: `records` streams the input (JSON Lines, CSV, Parquet),
`entry` turns a record into the entry function's arguments, `runner` evaluates records
concurrently on one event loop with one shared LLM client (`ray_runner` does the same on a
Ray cluster), `ordering` releases results in input order without stalling, `output` writes
the results file and reads it back for `--resume`, `progress` reports, and `command` is the
`epic map` sub-command.
"""
