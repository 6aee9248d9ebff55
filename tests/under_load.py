"""Run the README's test command (`make test`) while two busy processes keep both cores saturated:
the suite must stay green on a machine doing other work. The busy processes are started and
stopped here, by PID.

    python3 tests/under_load.py        (or: make test-under-load)
"""

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main():
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    print(f"under_load: busy processes {[p.pid for p in busy]} keep the cores saturated", flush=True)
    started = time.monotonic()
    try:
        code = subprocess.call(["make", "test"], cwd=ROOT)
    finally:
        for process in busy:
            process.kill()
            process.wait()
    print(f"under_load: make test exited {code} after {time.monotonic() - started:.0f} s with both cores busy")
    return code


if __name__ == "__main__":
    sys.exit(main())
