import subprocess

import pytest


@pytest.fixture
def processes():
    """Processes a test starts (workers, beat); stopped at its end, however it ends."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.terminate()
    for process in started:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
