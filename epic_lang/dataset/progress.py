"""What `epic map` says while it runs: a tqdm bar on a terminal (records done, failed,
records and LLM calls in flight, tokens, rate, ETA), plain lines every few seconds otherwise
(a log file, CI), and one summary line at the end in both cases. Tokens are shown once some
answer has reported its usage (a server that never does shows none, rather than zero).
"""

from __future__ import annotations

import time
from typing import Any, TextIO

from epic_lang.ide.run import CallCounter
from epic_lang.llm.interface import TokenUsage
from epic_lang.plurals import plural


class Progress:
    """Counts finished records and reports them on `stream`."""

    def __init__(
        self,
        stream: TextIO,
        total: int | None,
        already: int = 0,
        calls: CallCounter | None = None,
        interval: float = 10.0,
        usage: TokenUsage | None = None,
    ) -> None:
        """`usage` is read at each report: the backend's own tally, or the sum the driver
        keeps of its Ray workers' tallies."""
        self.stream = stream
        self.total = total
        self.already = already
        self.calls = calls
        self.usage = usage or TokenUsage()
        self.interval = interval
        self.done = 0
        self.failed = 0
        self.in_flight = 0
        self.t0 = time.perf_counter()
        self.next_line = self.t0 + interval
        self.bar: Any = None
        if stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(
                total=total,
                initial=already,
                unit="rec",
                file=stream,
                dynamic_ncols=True,
                smoothing=0.05,
                mininterval=0.2,
            )

    def finished(self, ok: bool, in_flight: int) -> None:
        self.done += 1
        self.failed += not ok
        self.in_flight = in_flight
        if self.bar is not None:
            self.bar.set_postfix_str(self._flight(), refresh=False)
            self.bar.update(1)
        elif time.perf_counter() >= self.next_line:
            self.next_line = time.perf_counter() + self.interval
            self.stream.write(f"epic map: {self._line()}\n")
            self.stream.flush()

    def close(self, where: str) -> None:
        if self.bar is not None:
            self.bar.close()
        elapsed = time.perf_counter() - self.t0
        rate = self.done / elapsed if elapsed > 0 else 0.0
        skipped = f", {self.already} already done" if self.already else ""
        tokens = f"; {self.usage.summary()}" if self._has_tokens() else ""
        self.stream.write(
            f"epic map: {plural(self.done, 'record')} in {elapsed:.1f}s ({rate:.1f}/s), "
            f"{self.failed} failed{skipped}{tokens}; results in {where}\n"
        )
        self.stream.flush()

    def _flight(self) -> str:
        calls = f", {plural(self.calls.in_flight, 'call')}" if self.calls is not None else ""
        tokens = f", {self.usage.short()}" if self._has_tokens() else ""
        in_flight = plural(self.in_flight, "record")
        return f"{self.failed} failed{tokens}, in flight: {in_flight}{calls}"

    def _has_tokens(self) -> bool:
        return self.usage.answers > 0

    def _line(self) -> str:
        elapsed = time.perf_counter() - self.t0
        rate = self.done / elapsed if elapsed > 0 else 0.0
        count = f"{self.already + self.done}"
        eta = ""
        if self.total:
            count += f"/{self.total} ({100 * (self.already + self.done) / self.total:.0f}%)"
            left = self.total - self.already - self.done
            if rate > 0:
                eta = f", ETA {_duration(left / rate)}"
        return f"{count} done, {self._flight()}, {rate:.1f} records/s{eta}"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"
