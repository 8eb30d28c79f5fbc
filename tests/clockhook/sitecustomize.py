"""Run by every Python process that a test starts (tests/clock.py puts this folder on PYTHONPATH):
the test run's clock, the same shift from the real time as in the test process."""

import os

if "TESTS_CLOCK_SHIFT" in os.environ:
    import time

    import time_machine

    time_machine.travel(time.time() + float(os.environ["TESTS_CLOCK_SHIFT"]), tick=True).start()
