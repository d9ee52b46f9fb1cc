"""The results file and ordering: resume after a kill, and order that never stalls."""

from __future__ import annotations

from pathlib import Path

import pytest

from epic_lang.dataset.ordering import InOrder
from epic_lang.dataset.output import IndexSet, ResultsFile, finished_indices, result_line
from epic_lang.dataset.records import InputError


def test_resume_cuts_a_truncated_last_line_and_keeps_the_rest(tmp_path: Path):
    out = tmp_path / "results.jsonl"
    out.write_text(
        result_line(0, 1) + "\n" + result_line(5, error="boom") + "\n" + '{"index": 3, "resu',
        encoding="utf-8",
    )
    done = finished_indices(str(out))
    assert (0 in done, 5 in done, 3 in done, len(done)) == (True, True, False, 2)
    with ResultsFile(str(out), append=True) as f:
        f.write([result_line(3, "x")])
    assert out.read_text(encoding="utf-8").splitlines()[-1] == '{"index": 3, "result": "x"}'
    assert len(finished_indices(str(out))) == 3


def test_a_file_that_is_not_a_results_file_is_refused(tmp_path: Path):
    out = tmp_path / "results.jsonl"
    out.write_text('{"index": 0, "result": 1}\n{"name": "something else"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"results.jsonl:2:1: error: not a result line"):
        finished_indices(str(out))


def test_index_set_counts_each_index_once():
    done = IndexSet()
    for i in (0, 7, 8, 1_000_000, 7):
        done.add(i)
    assert len(done) == 4
    assert 1_000_000 in done and 999_999 not in done and 2_000_000 not in done


def test_results_that_cannot_be_json_are_shown_instead():
    assert result_line(1, {1, 2}, shown=lambda: "{1, 2}") == '{"index": 1, "result": "{1, 2}"}'
    assert result_line(2, float("nan"), shown=lambda: "nan") == '{"index": 2, "result": "nan"}'


def test_in_order_holds_results_back_until_earlier_ones_finish():
    order: InOrder[int] = InOrder(window=10)
    slots = [order.submit() for _ in range(3)]
    order.finish(slots[2], 2)
    order.finish(slots[1], 1)
    assert order.release() == []
    order.finish(slots[0], 0)
    assert order.release() == [0, 1, 2]


def test_a_slow_record_never_stalls_the_others_past_the_window():
    order: InOrder[int] = InOrder(window=3)
    slow = order.submit()
    out: list[int] = []
    for i in range(1, 9):
        order.finish(order.submit(), i)
        out += order.release()
    assert out == [1, 2, 3, 4, 5, 6, 7, 8][: len(out)] and len(out) >= 5
    assert order.held <= 3
    order.finish(slow, 0)
    out += order.release()
    assert sorted(out) == list(range(9)) and out[-1] == 0 and order.held == 0
