"""Stand-ins for the outside world, kept apart from the real backends in `epic_lang.llm`.

`sim_server` (with `sim_http` and `sim_rules`) is `epic sim-server`, a simulated
OpenAI-compatible API for tests, demos and benchmarks that can also play outages, silence and
broken answers; `fake` is an in-process backend for unit tests of the evaluator. Nothing in the
evaluator, the editor or the real client imports this package.
"""
