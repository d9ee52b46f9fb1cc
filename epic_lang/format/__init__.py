"""The formatter: one canonical layout for EPIC source, proven safe before it is used.

`formatter.py` is the API (`format_source`, `format_range`, `FormatError`, `Mode`) and the
safety net, streamed a run of declarations at a time; `chunks.py` prints declarations to
text without the proof; `printer.py` turns the syntax tree into a layout document; `doc.py`
chooses the line breaks; `comments.py` puts the comments and blank lines back;
`equivalence.py` says when two trees are the same program; `command.py` is `epic fmt`.
"""
