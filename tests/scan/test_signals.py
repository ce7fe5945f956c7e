"""How a scan's signal handlers behave, with real signals sent to this process: a signal is
raised at once, or at the end of a step that holds it, once, and never outside a scan."""

from __future__ import annotations

import os
import signal

import pytest

from piiscan.scan.signals import STOP_SIGNALS, Interrupted, held, stop_on_signals

SIGNALS = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP]


def _send(signum: int) -> None:
    os.kill(os.getpid(), signum)
    signal.sigtimedwait([], 0)  # a system call: the handler runs when it returns


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
def test_a_signal_is_raised_at_once(signum: signal.Signals) -> None:
    steps: list[str] = []

    def scan() -> None:
        with stop_on_signals():
            _send(signum)
            steps.append("not reached")

    with pytest.raises(Interrupted) as raised:
        scan()
    assert (raised.value.signum, steps) == (signum, [])
    assert isinstance(raised.value, KeyboardInterrupt)


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
def test_a_held_step_runs_to_its_end_and_then_the_signal_is_raised(signum: signal.Signals) -> None:
    steps: list[str] = []

    def scan() -> None:
        with stop_on_signals():
            with held():
                _send(signum)
                steps.append("after the signal")
                with held():  # nested: raised only when the outer step ends
                    steps.append("inner")
                steps.append("outer end")
            steps.append("not reached")

    with pytest.raises(Interrupted) as raised:
        scan()
    assert raised.value.signum == signum
    assert steps == ["after the signal", "inner", "outer end"]


@pytest.mark.parametrize(
    "error", [ConnectionRefusedError("fork server gone"), EOFError("pipe closed")]
)
def test_an_error_of_a_held_step_after_a_signal_is_the_signal(error: Exception) -> None:
    def scan() -> None:
        with stop_on_signals(), held():
            _send(signal.SIGTERM)
            raise error

    with pytest.raises(Interrupted) as raised:
        scan()
    assert raised.value.signum == signal.SIGTERM
    assert raised.value.__cause__ is None


def test_an_error_of_a_held_step_without_a_signal_goes_through() -> None:
    with pytest.raises(EOFError), stop_on_signals(), held():
        raise EOFError("pipe closed")


def test_a_second_signal_does_not_break_the_closing() -> None:
    steps: list[str] = []

    def scan() -> None:
        with stop_on_signals():
            try:
                _send(signal.SIGTERM)
            finally:
                _send(signal.SIGINT)  # while the scan closes: nothing raised
                steps.append("closed")

    with pytest.raises(Interrupted) as raised:
        scan()
    assert (raised.value.signum, steps) == (signal.SIGTERM, ["closed"])


def test_handlers_are_restored_after_the_scan() -> None:
    before = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    with stop_on_signals():
        assert all(signal.getsignal(signum) != before[signum] for signum in STOP_SIGNALS)
    assert {signum: signal.getsignal(signum) for signum in STOP_SIGNALS} == before
    with held():  # outside a scan: nothing held, nothing raised
        pass
