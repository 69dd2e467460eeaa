"""The garbage collector is paused while scans run, and resumed as it was."""

from __future__ import annotations

import gc
import threading

from guard.analysis.scan import collector


def test_paused_while_inside_and_resumed_after() -> None:
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_resumed_even_when_the_scan_raises() -> None:
    try:
        with collector.paused():
            raise ValueError("a scan that failed")
    except ValueError:
        pass
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_scans_resume_it_only_when_the_last_one_ends() -> None:
    first_in, second_done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with collector.paused():
            first_in.set()
            second_done.wait(5)
            seen.append(gc.isenabled())  # the other scan has ended: still paused

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with collector.paused():
        pass
    second_done.set()
    thread.join(5)
    assert seen == [False]
    assert gc.isenabled()
