//! The process's budgets: `--max-memory`, `--max-events` and `--timeout`, and the memory
//! default read from the limits the process runs under.
//!
//! The default memory budget is 75 % of the tightest of: the address space `RLIMIT_AS`
//! leaves (less what is mapped already), the cgroup's `memory.max` (v2, or v1's
//! `memory.limit_in_bytes`) less its current use, and the machine's `MemAvailable`. The
//! quarter kept back covers what the estimate does not count: the allocator's slack, thread
//! stacks, the binary itself. A budget changes whether a file is refused (exit 3), never a
//! verdict: the event budget is the same on every machine, and the wall timeout is off unless
//! asked for.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use scenarios::budget::Budget;

/// The share of the tightest limit a run may plan to use.
const SHARE_PERCENT: u64 = 75;

/// Budget flags every command takes.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct BudgetArgs {
    /// Refuse a scenario whose estimated memory is above SIZE (e.g. 2GiB), and stop a run
    /// whose kept trace takes it there [default: 75% of the tightest of RLIMIT_AS, the
    /// cgroup's memory.max and the machine's available memory].
    #[arg(long, value_name = "SIZE", global = true, value_parser = parse_size)]
    pub max_memory: Option<u64>,
    /// Stop a run after N events, inconclusive [default: the larger of 10^9 and 4x the
    /// scenario's estimate].
    #[arg(long, value_name = "N", global = true, value_parser = parse_count)]
    pub max_events: Option<u64>,
    /// Stop a run after this much wall-clock time, inconclusive (off by default: a verdict
    /// must not depend on the machine's speed).
    #[arg(long, value_name = "DURATION", global = true, value_parser = parse_timeout)]
    pub timeout: Option<Duration>,
}

fn parse_size(s: &str) -> Result<u64, String> {
    scenarios::units::parse_bytes_floor(s).and_then(|b| if b == 0 { Err("must be positive".to_string()) } else { Ok(b) })
}

fn parse_count(s: &str) -> Result<u64, String> {
    let t = s.replace('_', "");
    if let Ok(n) = t.parse::<u64>() {
        return if n == 0 { Err("must be positive".to_string()) } else { Ok(n) };
    }
    // 1e9, 2.5e8: a float that is a whole number.
    match t.parse::<f64>() {
        Ok(f) if f >= 1.0 && f.fract() == 0.0 && f < u64::MAX as f64 => Ok(f as u64),
        // Digits only, or a whole float, but more than a u64 holds.
        Ok(f) if f >= u64::MAX as f64 => Err(format!("`{s}` is above the largest event budget, {} (about 1.8e19)", u64::MAX)),
        _ => Err(format!("`{s}` is not a positive whole number of events (e.g. 1000000 or 1e9)")),
    }
}

fn parse_timeout(s: &str) -> Result<Duration, String> {
    let d = scenarios::units::parse_duration(s)?;
    if d.as_nanos() == 0 {
        return Err("must be positive".to_string());
    }
    Ok(Duration::from_nanos(d.as_nanos()))
}

/// `m` as a size `--max-memory` reads back as `m`: `512.0 MiB` is written `512MiB`,
/// `8670271` bytes as `8670271B`.
fn exact_size(m: u64) -> String {
    let rounded = scenarios::units::approx_bytes(m).replace(".0 ", "").replace(' ', "");
    if scenarios::units::parse_bytes(&rounded) == Ok(m) { rounded } else { format!("{m}B") }
}

static TIMEOUT: OnceLock<Option<Duration>> = OnceLock::new();

/// Sets the process's budgets from the flags (once, at start).
pub fn install(args: &BudgetArgs) {
    scenarios::budget::set_budget(args.budget());
    let _ = TIMEOUT.set(args.timeout);
}

/// The memory budget in force (what `--max-memory` or the process's limits set).
pub fn memory_budget() -> u64 {
    scenarios::budget::budget().max_memory
}

/// The wall-clock budget of one run, if `--timeout` set one.
pub fn timeout() -> Option<Duration> {
    TIMEOUT.get().copied().flatten()
}

impl BudgetArgs {
    /// The budget these flags and this process's limits give.
    pub fn budget(&self) -> Budget {
        let (max_memory, source) = match self.max_memory {
            // As the user can type it again: the rounded size when it is exact, else bytes.
            Some(m) => (m, format!("--max-memory {}", exact_size(m))),
            None => default_memory(),
        };
        Budget { max_memory, source, max_events: self.max_events }
    }
}

/// The default memory budget and where it came from.
pub fn default_memory() -> (u64, String) {
    let mut limits: Vec<(u64, String)> = Vec::new();
    if let Some((room, text)) = address_space() {
        limits.push((room, text));
    }
    if let Some((room, text)) = cgroup() {
        limits.push((room, text));
    }
    if let Some(avail) = meminfo("MemAvailable:") {
        limits.push((avail, format!("the machine's available memory ({})", scenarios::units::approx_bytes(avail))));
    }
    match limits.into_iter().min_by_key(|l| l.0) {
        Some((room, text)) => (room / 100 * SHARE_PERCENT, format!("the memory budget is {SHARE_PERCENT}% of {text}")),
        None => (scenarios::budget::DEFAULT_MAX_MEMORY, "no memory limit could be read, so the budget is the built-in 8 GiB".to_string()),
    }
}

/// What `RLIMIT_AS` leaves, when it is set (read from `/proc/self/limits`, which needs no
/// unsafe call).
fn address_space() -> Option<(u64, String)> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let limit: u64 = text.lines().find_map(|l| l.strip_prefix("Max address space"))?.split_whitespace().next()?.parse().ok()?;
    let used = status_kib("VmSize:").unwrap_or(0).saturating_mul(1024);
    let f = scenarios::units::approx_bytes;
    Some((limit.saturating_sub(used), format!("RLIMIT_AS ({}) less the {} mapped at start", f(limit), f(used))))
}

/// What the cgroup (and its ancestors) leave: `memory.max` less `memory.current`.
fn cgroup() -> Option<(u64, String)> {
    let text = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let mut best: Option<(u64, String)> = None;
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        let (root, max_file, cur_file) = if controllers.is_empty() {
            ("/sys/fs/cgroup", "memory.max", "memory.current")
        } else if controllers.split(',').any(|c| c == "memory") {
            ("/sys/fs/cgroup/memory", "memory.limit_in_bytes", "memory.usage_in_bytes")
        } else {
            continue;
        };
        let mut dir = Path::new(root).join(path.trim_start_matches('/'));
        loop {
            if let Some(max) = read_u64(&dir.join(max_file)) {
                // v1 reports "no limit" as a huge page-aligned number.
                if max < (1 << 60) {
                    let cur = read_u64(&dir.join(cur_file)).unwrap_or(0);
                    let room = max.saturating_sub(cur);
                    if best.as_ref().is_none_or(|b| room < b.0) {
                        let f = scenarios::units::approx_bytes;
                        best = Some((room, format!("the cgroup's {max_file} ({}) less its {} in use", f(max), f(cur))));
                    }
                }
            }
            if !dir.pop() || !dir.starts_with(root) || dir.as_os_str().len() <= root.len() {
                break;
            }
        }
    }
    best
}

fn read_u64(p: &Path) -> Option<u64> {
    std::fs::read_to_string(p).ok()?.trim().parse().ok()
}

fn status_kib(key: &str) -> Option<u64> {
    kib_line(&std::fs::read_to_string("/proc/self/status").ok()?, key)
}

fn meminfo(key: &str) -> Option<u64> {
    kib_line(&std::fs::read_to_string("/proc/meminfo").ok()?, key).map(|k| k.saturating_mul(1024))
}

fn kib_line(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.split_whitespace().next()).and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_underscores_and_exponents() {
        assert_eq!(parse_count("1_000"), Ok(1000));
        assert_eq!(parse_count("1e9"), Ok(1_000_000_000));
        assert!(parse_count("0").is_err());
        assert!(parse_count("1.5").is_err());
        assert!(parse_count("-3").is_err());
    }

    #[test]
    fn kib_lines_parse() {
        assert_eq!(kib_line("VmSize:\t  12345 kB\nVmRSS: 1 kB", "VmSize:"), Some(12345));
        assert_eq!(kib_line("x", "VmSize:"), None);
    }
}
