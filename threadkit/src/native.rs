//! The operating system's id of the current thread, for
//! [`Handle::native_id`](crate::Handle::native_id).

/// The kernel's thread id (`gettid`) of the calling thread on Linux, read
/// from `/proc/thread-self` (no `libc` needed); `None` elsewhere or where
/// `/proc` is not mounted.
#[cfg(target_os = "linux")]
pub(crate) fn current_thread_id() -> Option<u64> {
    // The link reads `<pid>/task/<tid>`.
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn current_thread_id() -> Option<u64> {
    None
}

#[cfg(all(test, target_os = "linux", not(loom)))]
mod tests {
    #[test]
    fn the_main_thread_of_a_process_has_the_process_id() {
        // The test harness runs tests on other threads; a fresh thread's id
        // is listed among the process's tasks, and differs from the pid.
        let id = std::thread::spawn(super::current_thread_id)
            .join()
            .unwrap()
            .expect("a thread id");
        assert_ne!(id, u64::from(std::process::id()));
        let main_id = super::current_thread_id().expect("a thread id");
        assert!(std::path::Path::new(&format!("/proc/self/task/{main_id}")).exists());
    }
}
