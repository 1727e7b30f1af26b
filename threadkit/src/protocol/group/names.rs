//! Unique names among a group's running members: [`Names`].

use std::collections::{HashMap, HashSet};
use std::sync::Arc as StdArc;

/// The names the running members go by, and, for a name that was taken
/// when another member asked for it, the suffix to try next. Both hold only
/// running members' names, so they stay as small as the group has ever been
/// at once.
#[derive(Default)]
pub(crate) struct Names {
    taken: HashSet<StdArc<str>>,
    next_suffix: HashMap<StdArc<str>, u64>,
}

impl Names {
    /// `asked` if no running member goes by it, else `asked#N`: N counts up
    /// from 2 while `asked` stays taken, skipping names running members go
    /// by (a user may have named a worker `asked#2` too).
    pub(crate) fn take(&mut self, asked: &StdArc<str>) -> StdArc<str> {
        if self.taken.insert(asked.clone()) {
            return asked.clone();
        }
        let next = self.next_suffix.entry(asked.clone()).or_insert(2);
        loop {
            let candidate = StdArc::<str>::from(format!("{asked}#{next}"));
            *next += 1;
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
        }
    }

    /// The running member that went by `name` left: the name is free, and
    /// the next duplicate of it counts from 2 again.
    pub(crate) fn release(&mut self, name: &str) {
        self.taken.remove(name);
        self.next_suffix.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::Names;

    fn take(names: &mut Names, asked: &str) -> String {
        names.take(&asked.into()).to_string()
    }

    #[test]
    fn duplicates_count_up_and_the_name_is_free_once_its_holder_left() {
        let mut names = Names::default();
        assert_eq!(take(&mut names, "fetch"), "fetch");
        assert_eq!(take(&mut names, "fetch"), "fetch#2");
        assert_eq!(take(&mut names, "fetch"), "fetch#3");
        names.release("fetch#2");
        assert_eq!(take(&mut names, "fetch"), "fetch#4");
        names.release("fetch");
        assert_eq!(take(&mut names, "fetch"), "fetch");
        // Counting restarts at 2 and skips the suffixes still running.
        assert_eq!(take(&mut names, "fetch"), "fetch#2");
        assert_eq!(take(&mut names, "fetch"), "fetch#5");
    }

    #[test]
    fn a_generated_name_never_collides_with_a_name_a_user_chose() {
        let mut names = Names::default();
        assert_eq!(take(&mut names, "db#2"), "db#2");
        assert_eq!(take(&mut names, "db"), "db");
        assert_eq!(take(&mut names, "db"), "db#3");
        assert_eq!(take(&mut names, "db#2"), "db#2#2");
        assert_eq!(names.taken.len(), 4);
    }
}
