"""Small promises of the editor's words: counts in the singular, no ratio without calls, a
completion item that says its signature once, a formatting refusal that says why."""

from __future__ import annotations

from epic_lang.eval.trace import summary_line
from epic_lang.ide.completion import complete
from epic_lang.ide.document import Analysis
from epic_lang.ide.formatting import format_document
from epic_lang.ide.run import CallCounter
from epic_lang.plurals import plural


def test_counts_agree_with_their_number() -> None:
    assert plural(1, "LLM call") == "1 LLM call"
    assert plural(0, "LLM call") == "0 LLM calls"
    counter = CallCounter()
    counter.in_flight = 1
    assert counter.describe() == "1 LLM call in flight, 0 done"


def test_a_run_without_calls_has_no_parallelism() -> None:
    assert summary_line({"wall": 0.01, "calls": []}) == "epic: no calls, wall 0.010s"
    one = {"wall": 1.0, "calls": [{"start": 0.0, "end": 0.5}]}
    assert summary_line(one).startswith("epic: 1 call, wall 1.000s")


def test_completion_detail_is_not_repeated_in_its_documentation() -> None:
    text = "def main() = le"
    (item,) = [i for i in complete(Analysis(text), len(text)) if i.label == "len"]
    assert item.detail == "len(x)"
    assert "len(x)" not in item.documentation


def test_formatting_refusal_says_why() -> None:
    formatting = format_document("def main() = (1\n")
    assert formatting.edits == []
    assert formatting.refusal is not None and formatting.refusal.startswith(
        "the file has syntax errors; it was not formatted (line 1: "
    )
    assert format_document("def main() = 1\n").refusal is None


def test_inlay_hints_skip_what_the_code_already_says() -> None:
    from epic_lang.ide.inlay_hints import parameter_hints

    text = 'def main(prompt, sep) = [llm(prompt), llm(f"x", "sys"), split(prompt, sep), len("a")]\n'
    hints = parameter_hints(Analysis(text), 0, len(text))
    assert [(text[h.offset : h.offset + 3], h.label) for h in hints] == [
        ('f"x', "prompt:"),
        ('"sy', "system:"),
        ("pro", "s:"),
    ]


def test_inlay_hints_of_python_and_epic_modules_read_without_running_them(tmp_path) -> None:
    from epic_lang.ide.inlay_hints import parameter_hints

    (tmp_path / "tools.py").write_text(
        "raise SystemExit('imported')\ndef search(query, k=3):\n    return []\n"
    )
    (tmp_path / "lib.epic").write_text("def pair(a, b) = [a, b]\n")
    text = (
        'import python "./tools.py" as tools\nimport "./lib.epic" as lib\n\n'
        'def main() = [tools.search("q", 5), lib.pair(1, 2)]\n'
    )
    analysis = Analysis(text, str(tmp_path / "main.epic"))
    hints = parameter_hints(analysis, 0, len(text))
    assert [h.label for h in hints] == ["query:", "k:", "a:", "b:"]
