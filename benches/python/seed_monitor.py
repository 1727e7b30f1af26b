"""The seeds' pattern, ported faithfully: ExcThread + a 0.1 s polling monitor.

ExcThread stores exit_code/exception/traceback (seed 001); every child is a
daemon; the main thread's `_check_child_thread_status` loop scans every
child (`is_alive()`, `exit_code`), then sleeps 0.1 s, and re-raises the first
failure (seed 001).

Measures, per sample:
  notice   - from the child's failing raise to the monitor noticing it;
  teardown - from noticing to every other child having stopped. Python cannot
             stop threads: the seed relies on daemon threads dying with the
             process, so the siblings here poll a stop flag every 0.1 s, the
             seed's own period.
Prints one JSON object: {"notice_ms": [...], "teardown_ms": [...]}.
"""
import json
import random
import sys
import threading
import time
import traceback


class ExcThread(threading.Thread):
    def __init__(self, target, *args, name=None):
        super().__init__(None, target, name or target.__name__, args)
        self.exit_code = None
        self.exception = None
        self.exc_traceback = ''
        self.daemon = True

    def run(self):
        try:
            self._target(*self._args)
        except Exception as e:
            self.exception = e
            self.exit_code = 1
            self.exc_traceback = traceback.format_exc()
        else:
            self.exit_code = 0


def sample(siblings):
    stop = threading.Event()
    failed_at = []

    def sibling():
        while not stop.is_set():
            time.sleep(0.1)

    def failing():
        time.sleep(random.uniform(0.0, 0.1))
        failed_at.append(time.perf_counter())
        raise RuntimeError("config 4 failed validation")

    threads = [ExcThread(sibling, name=f"sibling_{n}") for n in range(siblings)]
    threads.append(ExcThread(failing, name="get_config_4"))
    for t in threads:
        t.start()
    pending = list(threads)
    noticed = None
    while noticed is None:
        for task in pending.copy():
            if not task.is_alive():
                pending.remove(task)
                if task.exit_code:
                    noticed = time.perf_counter()
                    break
        else:
            time.sleep(.1)
    stop.set()
    for t in threads:
        t.join()
    done = time.perf_counter()
    return (noticed - failed_at[0]) * 1e3, (done - noticed) * 1e3


def main():
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    siblings = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    notice, teardown = [], []
    for _ in range(samples):
        n, t = sample(siblings)
        notice.append(n)
        teardown.append(t)
    print(json.dumps({"notice_ms": notice, "teardown_ms": teardown}))


if __name__ == "__main__":
    main()
