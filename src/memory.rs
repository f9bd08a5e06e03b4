//! Process memory: handing freed memory back between the read and the report, and
//! reading what is resident, for `SMTPTLS_TIMING`.

/// Returns freed memory to the operating system.
///
/// Why: glibc keeps what a thread frees in that thread's arena. The read phase merges
/// many partial aggregates on worker threads, whose garbage the report (on the main
/// thread) cannot reuse; the report frees the aggregate's tables on the main thread, which
/// polars (on its own threads) cannot reuse. Called between those stages, so the peak is
/// not the garbage of one stage plus the next.
pub fn release_free() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's own arenas; it takes
    // the arenas' locks and touches no memory in use.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The process's peak resident memory so far, and what is resident now (heap and other
/// anonymous memory; mapped files, the program's own code included). Linux only; `?`
/// elsewhere.
pub fn usage() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        (status.lines())
            .find_map(|l| l.strip_prefix(name))
            .map_or("?", str::trim)
            .to_string()
    };
    format!(
        "{} (now: anonymous {}, files {})",
        field("VmHWM:"),
        field("RssAnon:"),
        field("RssFile:")
    )
}
