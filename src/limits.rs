//! Resource budgets. Placeholder (issue 12, helper io): the lead replaces this file with the
//! real budgets (RLIMIT_AS, the cgroup's memory.max, free memory, `--max-memory`).

/// The memory a command may plan to hold, in bytes.
// lead replaces
pub fn memory_budget() -> u64 {
    8 << 30
}
