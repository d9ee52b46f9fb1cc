"""One endpoint's circuit: when the server is down, calls wait for it instead of failing.

Opportunistic evaluation keeps hundreds of calls in flight. When the server goes away
(connections refused, a storm of 5xx or 429), retrying each call on its own wastes their
attempts while the server is known to be down, and the first call to run out fails the whole
program. As in well-kept clients (Envoy's and Polly's circuit breakers, gRPC's retry
throttling), the endpoint's health is shared: the first failure opens the circuit; while it is
open no request is sent; when the delay is over one waiting call is sent as a probe (half-open);
its success closes the circuit and lets every waiting call go, its failure opens the circuit
again for twice as long (up to `max_delay`), or for as long as the server asked with
`Retry-After`. Answers to requests sent before the circuit opened neither lengthen the wait
(the outage they report is already known) nor close the circuit (the server may have answered
them before it went down). Waiting calls queue in order, so successive probes are different
calls and none spends all its attempts probing.

A circuit belongs to one event loop (its timer and futures do).
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

from epic_lang.llm.retry import RetryPolicy

Cause = TypeVar("Cause")


@dataclass(frozen=True, slots=True)
class Permit:
    """Leave to send one request: as the probe, and after which opening of the circuit."""

    probe: bool
    opening: int


class Circuit(Generic[Cause]):
    """The shared state of one endpoint. `admit` before sending; report each outcome with
    exactly one of `succeeded`, `failed` or `undecided`. `cause` is the failure that last
    opened or kept the circuit open, for the message of a call that never sent anything."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._policy = policy
        self.cause: Cause | None = None
        self._openings = 0  # how many times the circuit has opened
        self._open_until: float | None = None  # None: closed
        self._probing = False
        self._failed_probes = 0
        self._waiters: deque[asyncio.Future[bool]] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self._closed_permit = Permit(False, 0)  # the one every call gets while it is closed

    @property
    def is_open(self) -> bool:
        return self._open_until is not None

    def admit_now(self) -> Permit | None:
        """Leave to send at once while the circuit is closed, else None (then `admit`). The
        common case without a coroutine: a fan-out of thousands of calls pays for each."""
        return self._closed_permit if self._open_until is None else None

    async def admit(self, deadline: float | None) -> Permit:
        """Wait until a request may be sent. Raises `TimeoutError` when the loop's clock
        passes `deadline` first."""
        if self._open_until is None:
            return self._closed_permit
        loop = asyncio.get_running_loop()
        if not self._probing and loop.time() >= self._open_until and not self._waiters:
            self._probing = True
            return Permit(True, self._openings)
        waiter: asyncio.Future[bool] = loop.create_future()
        self._waiters.append(waiter)
        self._schedule()
        try:
            async with asyncio.timeout_at(deadline):
                return Permit(await waiter, self._openings)
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.result():
                self.undecided(Permit(True, self._openings))  # the probe is gone: hand it on
            waiter.cancel()
            raise

    def succeeded(self, permit: Permit) -> None:
        """The server answered: close the circuit and let every waiting call go."""
        if self._open_until is None:
            # Already closed, so nothing waits and no timer runs (closing cleared both, and
            # only an open circuit adds them): every answer of a fan-out comes this way.
            return
        if not permit.probe and permit.opening < self._openings:
            return  # answered before the outage began, perhaps
        self._open_until = None
        self._probing = False
        self._failed_probes = 0
        self._cancel_timer()
        waiters, self._waiters = self._waiters, deque()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(False)

    def failed(self, permit: Permit, retry_after: float | None, cause: Cause) -> None:
        """The endpoint looks down (connection refused, 429, 5xx)."""
        now = asyncio.get_running_loop().time()
        self.cause = cause
        if permit.probe:
            self._probing = False
            self._failed_probes += 1
        elif self._open_until is not None:
            if retry_after is not None and now + retry_after > self._open_until:
                self._open_until = now + retry_after
                self._cancel_timer()
                self._schedule()
            return
        else:
            self._openings += 1
            self._closed_permit = Permit(False, self._openings)
        delay = retry_after
        if delay is None:
            delay = min(self._policy.max_delay, self._policy.base_delay * 2**self._failed_probes)
        self._open_until = now + delay
        self._cancel_timer()
        self._schedule()

    def undecided(self, permit: Permit) -> None:
        """The request ended without telling whether the server is up (cancelled, or no
        answer in time); if it was the probe, the next waiting call probes at once."""
        if not permit.probe:
            return
        self._probing = False
        if self._open_until is not None:
            self._open_until = min(self._open_until, asyncio.get_running_loop().time())
            self._cancel_timer()
            self._schedule()

    def _schedule(self) -> None:
        if self._open_until is None or self._probing or self._timer is not None:
            return
        self._timer = asyncio.get_running_loop().call_at(self._open_until, self._release_probe)

    def _release_probe(self) -> None:
        self._timer = None
        if self._open_until is None or self._probing:
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._probing = True
                waiter.set_result(True)
                return

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
