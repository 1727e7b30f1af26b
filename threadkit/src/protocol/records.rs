//! What a group keeps of its finished workers: [`Records`], and the
//! policy that keeps a group that runs for months in bounded memory.
//!
//! The policy (stated in [`Supervisor::retain_records`](crate::Supervisor::retain_records)):
//! the first failure is always kept; of the other records at most `limit`
//! are kept; when one more arrives, the oldest kept record that is not a
//! failure is folded into per-outcome counts, or, if every kept record is
//! a failure, the oldest failure is. Nothing is lost from the counts, the
//! exit code or the cause.

use std::collections::{BTreeMap, VecDeque};

use crate::report::{Folded, Record, Report};
use crate::ShutdownCause;

pub(crate) struct Records {
    limit: usize,
    /// By spawn sequence number, so the report lists them in spawn order.
    kept: BTreeMap<u64, Record>,
    first_failure: Option<u64>,
    /// Kept records other than the first failure, oldest exit first.
    others: VecDeque<u64>,
    failures: VecDeque<u64>,
    folded: Folded,
}

impl Records {
    pub(crate) fn new() -> Self {
        Records {
            limit: crate::DEFAULT_RETAINED_RECORDS,
            kept: BTreeMap::new(),
            first_failure: None,
            others: VecDeque::new(),
            failures: VecDeque::new(),
            folded: Folded::default(),
        }
    }

    /// Changes the limit; returns the records folded to meet it.
    pub(crate) fn set_limit(&mut self, limit: usize) -> Vec<Record> {
        self.limit = limit;
        let mut folded = Vec::new();
        while let Some(record) = self.fold_one() {
            folded.push(record);
        }
        folded
    }

    pub(crate) fn has_first_failure(&self) -> bool {
        self.first_failure.is_some()
    }

    /// The first failure stops being the group's outcome (a later success
    /// decided the group): it is kept, and folded, like other failures.
    /// Returns the record folded to make room, if any.
    pub(crate) fn forgive_first_failure(&mut self) -> Option<Record> {
        let seq = self.first_failure.take()?;
        self.failures.push_front(seq);
        self.fold_one()
    }

    /// Keeps `record` (spawned `seq`-th); `first_failure` marks the failure
    /// that started the fail-fast shutdown. Returns the record folded to
    /// make room, to be dropped outside the group's lock.
    pub(crate) fn push(&mut self, seq: u64, record: Record, first_failure: bool) -> Option<Record> {
        if first_failure {
            self.first_failure = Some(seq);
        } else if record.exit().is_failure() {
            self.failures.push_back(seq);
        } else {
            self.others.push_back(seq);
        }
        self.kept.insert(seq, record);
        self.fold_one()
    }

    fn fold_one(&mut self) -> Option<Record> {
        let counted = self.others.len() + self.failures.len();
        if counted <= self.limit {
            return None;
        }
        let seq = self
            .others
            .pop_front()
            .or_else(|| self.failures.pop_front())?;
        let record = self.kept.remove(&seq)?;
        self.folded.count(record.exit());
        Some(record)
    }

    /// The kept records, in spawn order.
    pub(crate) fn records(&self) -> impl Iterator<Item = &Record> {
        self.kept.values()
    }

    /// The report of what is kept so far (records are shared, not copied).
    pub(crate) fn report(&self, cause: Option<ShutdownCause>) -> Report {
        let first_failure = self
            .first_failure
            .and_then(|seq| self.kept.keys().position(|kept| *kept == seq));
        let records = self.kept.values().cloned().collect();
        Report::new(records, first_failure, cause).with_folded(self.folded.clone())
    }

    /// The report; the records move into it.
    pub(crate) fn take_report(&mut self, cause: Option<ShutdownCause>) -> Report {
        let report = self.report(cause);
        self.kept.clear();
        self.others.clear();
        self.failures.clear();
        self.folded = Folded::default();
        report
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::{Error, Exit};
    use std::time::Duration;

    fn record(name: &str, exit: Exit<()>) -> Record {
        Record::new(name.into(), false, None, Duration::ZERO, exit)
    }

    fn failed(name: &str) -> Exit<()> {
        Exit::Failed(Error::new(name.into(), None, "boom".into()))
    }

    #[test]
    fn successes_fold_first_and_the_first_failure_never() {
        let mut records = Records::new();
        assert!(records.set_limit(2).is_empty());
        assert!(records
            .push(0, record("first", failed("first")), true)
            .is_none());
        assert!(records
            .push(1, record("ok1", Exit::Returned(())), false)
            .is_none());
        assert!(records
            .push(2, record("bad", failed("bad")), false)
            .is_none());
        let folded = records.push(3, record("ok2", Exit::Returned(())), false);
        assert_eq!(folded.unwrap().name(), "ok1");
        let folded = records.push(4, record("bad2", failed("bad2")), false);
        assert_eq!(
            folded.unwrap().name(),
            "ok2",
            "failures are kept before successes"
        );
        let folded = records.push(5, record("bad3", failed("bad3")), false);
        assert_eq!(
            folded.unwrap().name(),
            "bad",
            "then the oldest failure goes"
        );

        let report = records.take_report(None);
        let names: Vec<&str> = report.records().iter().map(Record::name).collect();
        assert_eq!(names, ["first", "bad2", "bad3"]);
        assert_eq!(report.first_failure().unwrap().name(), "first");
        assert_eq!(report.folded(), 3);
        assert_eq!(report.exit_code(), 1);
    }

    #[test]
    fn a_limit_of_zero_keeps_only_the_first_failure() {
        let mut records = Records::new();
        records.set_limit(0);
        assert!(records
            .push(0, record("ok", Exit::Returned(())), false)
            .is_some());
        assert!(records
            .push(1, record("bad", failed("bad")), true)
            .is_none());
        let report = records.take_report(None);
        assert_eq!(report.records().len(), 1);
        assert_eq!(report.folded(), 1);
    }
}
