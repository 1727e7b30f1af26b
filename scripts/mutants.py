#!/usr/bin/env python3
"""Hand-made mutants of the protocol.

Each mutant breaks one guarantee on purpose; the stress test
(tests/stress.rs) or a loom model (threadkit/src/protocol/loom_models.rs)
must fail on it. A mutant that survives is a hole in the proof machinery.

    scripts/mutants.py            # every mutant
    scripts/mutants.py NAME...    # only these

Each mutant is applied to a copy of a snapshot of the tree taken at start
(the working tree is never touched); shared target directories under
target/mutants keep the rebuilds incremental. Prints one line per mutant and
exits non-zero if any survived or no longer applies.
"""

import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("MUTANTS_TARGET_DIR", os.path.join(ROOT, "target", "mutants"))
GROUP = "threadkit/src/protocol/group.rs"

# name: (file, text to find exactly once, replacement)
MUTANTS = {
    "fail_fast_removed": (
        GROUP,
        "        } else if first_failure && state.completion == Completion::AllSucceed {",
        "        } else if first_failure && false {",
    ),
    "owner_never_woken": (GROUP, "        if wake_owner {", "        if false && wake_owner {"),
    "daemons_never_cancelled": (
        GROUP,
        "            self.begin_shutdown(ShutdownCause::Completed, after);",
        "",
    ),
    "first_failure_overwritten": (
        GROUP,
        "let first_failure = failed && !state.records.has_first_failure() && !state.won;",
        "let first_failure = failed && !state.won;",
    ),
    "exit_recorded_twice": (
        GROUP,
        "        self.emit(|| Event::Exited(record.clone()));",
        "        self.emit(|| Event::Exited(record.clone()));\n"
        "        self.emit(|| Event::Exited(record.clone()));",
    ),
    "hung_not_recorded_in_cell": (
        "threadkit/src/protocol/cell.rs",
        "        inner.outcome = Some(Exit::Hung);",
        "",
    ),
    "sleepers_not_woken": (
        "threadkit/src/protocol/token.rs",
        "        if sleepers > 0 {",
        "        if false && sleepers > 0 {",
    ),
    "late_spawn_not_cancelled": (
        GROUP,
        "        if shutting_down {\n            member.token.cancel();",
        "        if false && shutting_down {\n            member.token.cancel();",
    ),
    "shutdown_misses_running_members": (
        GROUP,
        "            entry.stop_asked = true;\n            after.cancel.push(entry.member.token.clone());\n            self.reserve(own, false);",
        "            entry.stop_asked = true;\n            if id.seq % 2 == 0 {\n                after.cancel.push(entry.member.token.clone());\n            }\n            self.reserve(own, false);",
    ),
    "shutdown_order_ignored": (
        GROUP,
        "        match self.order {\n            ShutdownOrder::AllAtOnce => self.stop_all(after),",
        "        match ShutdownOrder::AllAtOnce {\n            ShutdownOrder::AllAtOnce => self.stop_all(after),",
    ),
    "ordered_shutdown_stalls_after_an_exit": (
        GROUP,
        "        if state.stopping.is_some() {\n            state.stop_next(Instant::now(), &mut after);\n        }",
        "",
    ),
    "start_failure_not_woken": (
        GROUP,
        "                self.start_failure = Some((entry.name.clone(), outcome.clone()));\n"
        "            }\n"
        "            after.wake_owner = true;",
        "                self.start_failure = Some((entry.name.clone(), outcome.clone()));\n"
        "            }",
    ),
    "value_stored_after_outcome": (
        "threadkit/src/protocol/shared.rs",
        "    if let Exit::Returned(value) = exit {\n"
        "        *lock(&shared.value) = Some(value);\n"
        "    }\n"
        "    match shared.member.cell.fill(outcome.clone()) {",
        "    let filled = shared.member.cell.fill(outcome.clone());\n"
        "    std::thread::yield_now();\n"
        "    if let Exit::Returned(value) = exit {\n"
        "        *lock(&shared.value) = Some(value);\n"
        "    }\n"
        "    match filled {",
    ),
    "restart_count_not_recorded": (GROUP, "        entry.restarts = restart;\n", ""),
    "restart_after_cancellation": (
        "threadkit/src/worker.rs",
        "        if token.is_cancelled() {\n",
        "        if false && token.is_cancelled() {\n",
    ),
    "backoff_ignores_cancellation": (
        "threadkit/src/worker.rs",
        "                if token.sleep(delay) {\n                    return Exit::Cancelled;\n                }",
        "                let _ = token.sleep(delay);",
    ),
    "limit_ignored": (
        "threadkit/src/protocol/group/limit.rs",
        "    pub(super) fn join(&mut self, id: MemberId) -> bool {\n        if self.is_full() {",
        "    pub(super) fn join(&mut self, id: MemberId) -> bool {\n        if false && self.is_full() {",
    ),
    "waiting_not_cancelled_at_shutdown": (GROUP, "        self.cancel_waiting(after);\n", ""),
    "fanout_not_awaited": (
        "threadkit/src/protocol/fanout.rs",
        "            let (mut end, _) = wait_until(&fanout.ended, end, None, |end| end.done);\n",
        "            let mut end = end;\n",
    ),
    "fanout_helpers_run_user_hooks": (
        "threadkit/src/protocol/fanout.rs",
        "            claim.met = defer_user_hooks(|| token.cancel_from(link));\n",
        "            token.cancel_from(link);\n",
    ),
    "round_ticket_not_kept": (
        "threadkit/src/protocol/group/rounds.rs",
        "                state.held.push((*seq, generation));",
        "                let _ = generation;",
    ),
}

CHECKS = [
    (
        "loom",
        ["cargo", "test", "-q", "-p", "threadkit", "--release", "--lib", "loom"],
        {"RUSTFLAGS": "--cfg loom"},
    ),
    ("stress", ["cargo", "test", "-q", "--release", "--test", "stress"], {}),
    ("restarts", ["cargo", "test", "-q", "--release", "--test", "restarts"], {}),
]


def run(name, file, find, replace, work):
    copy = os.path.join(work, name)
    shutil.copytree(os.path.join(work, "base"), copy)
    path = os.path.join(copy, file)
    text = open(path).read()
    if text.count(find) != 1:
        return f"{name}: STALE (pattern found {text.count(find)} times in {file})", False
    open(path, "w").write(text.replace(find, replace))
    killers = []
    for check, command, extra_env in CHECKS:
        env = dict(os.environ, **extra_env)
        target = os.path.join(TARGET, check)
        log = os.path.join(work, f"{name}.{check}.log")
        with open(log, "w") as out:
            try:
                status = subprocess.run(
                    command + ["--target-dir", target],
                    cwd=copy, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=900,
                ).returncode
            except subprocess.TimeoutExpired:
                status = "timeout"
        if status == 0:
            continue
        text = open(log).read()
        if "could not compile" in text:
            return f"{name}: DID NOT COMPILE ({check}); fix the mutant", False
        killers.append(f"{check} ({'timeout' if status == 'timeout' else why(text)})")
    if killers:
        return f"{name}: killed by " + "; ".join(killers), True
    return f"{name}: SURVIVED", False


def why(log):
    """The first assertion message in a test log, shortened."""
    lines = log.splitlines()
    for index, line in enumerate(lines):
        if "panicked at" in line and index + 1 < len(lines):
            return lines[index + 1].strip()[:110]
    return "failed"


def main():
    wanted = sys.argv[1:] or list(MUTANTS)
    unknown = [name for name in wanted if name not in MUTANTS]
    if unknown:
        sys.exit(f"unknown mutants: {unknown}; known: {list(MUTANTS)}")
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        # One snapshot, so that edits made while this runs do not leak in.
        shutil.copytree(ROOT, os.path.join(work, "base"), ignore=shutil.ignore_patterns("target", ".git"))
        for name in wanted:
            line, killed = run(name, *MUTANTS[name], work)
            print(line, flush=True)
            failures += not killed
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
