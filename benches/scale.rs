//! How validation and a large run grow with their size: each case is timed at n and 2n in
//! the same run, and the growth exponent log2(t(2n) / t(n)) is printed (1 is linear, 2
//! quadratic; the goal is at most 1.2, n log n with room for a shared machine's noise).
//!
//!   cargo bench --bench scale                  # every case
//!   cargo bench --bench scale -- fault-chain   # one (fault-chain, runbook-chain, long-ids, routes, flows, random-faults, interconnects)
//!   FAULTLINE_BENCH_FLOWS=500000 cargo bench --bench scale -- flows   # n flows and 2n
//!   cargo bench --bench scale -- lazy          # bench-scale, lazy against --control per-packet
//!
//! The scenarios are written here in the shape of `tests/fixtures/hardening/` (the files
//! issue 12 filed), at sizes chosen so that every case takes seconds, not minutes. The
//! validation cases run `faultline validate` (target/release/faultline, a process each);
//! the run cases compile and run in this process to the end and print their event counts.
//! Times are CPU seconds (wall seconds where /proc is missing), the best of a few rounds,
//! rounds alternating between n and 2n so drift hits both: on a machine shared with other
//! work, time spent waiting for a core is not the code's.

use std::fmt::Write as _;
use std::time::Instant;

use sim_core::{ControlMode, SimOptions};

const GOAL: f64 = 1.2;

/// A 10 Gbps interconnect and a small traffic group: what each generated file starts with.
fn header(name: &str, duration: &str) -> String {
    format!(
        "[scenario]\nname = \"{name}\"\nduration = \"{duration}\"\nseed = 1\n\n\
         [[interconnect]]\nid = \"ash\"\ntemplate = \"aws-gcp-managed\"\naws = \"us-east-1\"\ngcp = \"us-east4\"\nbandwidth = \"10Gbps\"\n\n\
         [[traffic]]\nid = \"t\"\nfrom = \"aws:us-east-1\"\nto = \"gcp:us-east4\"\nflows = 4\nrate = \"1Gbps\"\n\n"
    )
}

/// `n` faults, each `after` the one before (validate-75s-fault-after-chain-4000.toml).
fn fault_chain(n: usize) -> String {
    let mut s = header("chain", "1h");
    for i in 0..n {
        let trigger = if i == 0 { "at = \"1s\"".to_string() } else { format!("after = \"c{}\"\ndelay = \"1ms\"", i - 1) };
        let _ = writeln!(s, "[[fault]]\nid = \"c{i}\"\n{trigger}\ncut = \"ash/ch{}\"\nfor = \"1ms\"\n", i % 4 + 1);
    }
    s
}

/// `n` runbook steps, each `after` the one before (validate-40s-runbook-after-chain-4000.toml).
fn runbook_chain(n: usize) -> String {
    let mut s = header("steps", "1h");
    for i in 0..n {
        let trigger = if i == 0 { "at = \"1s\"".to_string() } else { format!("after = \"s{}\"", i - 1) };
        let _ =
            writeln!(s, "[[runbook]]\nid = \"s{i}\"\n{trigger}\nprefer = {{ link = \"ash/ch{}\", local_pref = {} }}\n", i % 4 + 1, 100 + i);
    }
    s
}

/// `n` copies of an interconnect whose id is 1,000 characters, and a fault on one of its
/// channels (validate-oom-longid-count.toml, which has 20,000 copies). `n` stays within
/// 1,000..9,999 so that the copy numbers keep four digits.
fn long_ids(n: usize) -> String {
    let id = "a".repeat(1000);
    format!(
        "[scenario]\nname = \"long-ids\"\nduration = \"120s\"\nseed = 1\n\n\
         [[interconnect]]\nid = \"{id}\"\ncount = {n}\ntemplate = \"aws-gcp-managed\"\naws = \"x-{{n}}\"\ngcp = \"y-{{n}}\"\nbandwidth = \"10Gbps\"\n\n\
         [[traffic]]\nid = \"app-db\"\nfrom = \"aws:x-0001\"\nto = \"gcp:y-0001\"\nflows = 64\nrate = \"6Gbps\"\n\n\
         [[fault]]\nid = \"cut-ch2\"\nat = \"30s\"\ncut = \"{id}0001/ch2\"\nfor = \"60s\"\n"
    )
}

/// `n` interconnects, each between its own pair of sites, and `n` traffic groups, one over
/// each (the shape of run-120s-random-faults-120ch.toml, which has 30 of each).
fn routes(n: usize) -> String {
    format!(
        "[scenario]\nname = \"ics\"\nduration = \"60s\"\nseed = 1\n\n\
         [[interconnect]]\nid = \"ic{{n}}\"\ntemplate = \"aws-gcp-managed\"\naws = \"s-{{n}}\"\ngcp = \"s-{{n}}\"\nbandwidth = \"10Gbps\"\ncount = {n}\nchannels = 4\nfacilities = 2\n\n\
         [[traffic]]\nid = \"t{{n}}\"\nfrom = \"aws:s-{{n}}\"\nto = \"gcp:s-{{n}}\"\nflows = 4\ncount = {n}\nrate = \"4Gbps\"\n"
    )
}

/// One group of `n` fluid flows and one cut of one of its four channels for 10 s
/// (run-60s-flows-1000000.toml).
fn flows(n: usize) -> String {
    format!(
        "[scenario]\nname = \"groups\"\nduration = \"60s\"\nseed = 1\n\n\
         [[interconnect]]\nid = \"ash\"\ntemplate = \"aws-gcp-managed\"\naws = \"us-east-1\"\ngcp = \"us-east4\"\nbandwidth = \"10Gbps\"\n\n\
         [[traffic]]\nid = \"t{{n}}\"\nfrom = \"aws:us-east-1\"\nto = \"gcp:us-east4\"\nflows = {n}\ncount = 1\nrate = \"4Gbps\"\n\n\
         [[fault]]\nat = \"10s\"\ncut = \"ash/ch1\"\nfor = \"10s\"\n"
    )
}

/// Random channel cuts, MTBF 1 s on 120 channels, for `secs` seconds
/// (run-120s-random-faults-120ch.toml runs an hour).
fn random_faults(secs: usize) -> String {
    format!(
        "[scenario]\nname = \"ics\"\nduration = \"{secs}s\"\nseed = 1\n\n\
         [[interconnect]]\nid = \"ic{{n}}\"\ntemplate = \"aws-gcp-managed\"\naws = \"s-{{n}}\"\ngcp = \"s-{{n}}\"\nbandwidth = \"10Gbps\"\ncount = 30\nchannels = 4\nfacilities = 2\n\n\
         [[traffic]]\nid = \"t{{n}}\"\nfrom = \"aws:s-{{n}}\"\nto = \"gcp:s-{{n}}\"\nflows = 4\ncount = 30\nrate = \"4Gbps\"\n\n\
         [[random_faults]]\nclass = \"channel\"\nmtbf = \"1s\"\nmttr = \"1ms\"\nmax = 0\n"
    )
}

/// bench-scale's shape (scenarios-data/bench-scale.toml) at `n` interconnects: `n` copies of
/// an interconnect and of a 100-flow group over it, and random channel cuts at bench-scale's
/// rate per channel (MTBF 20 h, MTTR 10 min), capped at one per five interconnects; five
/// simulated minutes, so that 4,000 interconnects take seconds, not minutes.
fn interconnects(n: usize) -> String {
    format!(
        "[scenario]\nname = \"ics\"\nduration = \"5m\"\nseed = 1\n\n\
         [[interconnect]]\nid = \"ic{{n}}\"\ncount = {n}\ntemplate = \"aws-gcp-managed\"\naws = \"syn-{{n}}\"\ngcp = \"syn-{{n}}\"\nbandwidth = \"10Gbps\"\n\n\
         [[traffic]]\nid = \"t{{n}}\"\ncount = {n}\nfrom = \"aws:syn-{{n}}\"\nto = \"gcp:syn-{{n}}\"\nflows = 100\nrate = \"6Gbps\"\n\n\
         [[random_faults]]\nid = \"cuts\"\nclass = \"channel\"\nmtbf = \"20h\"\nmttr = \"10m\"\nmax = {}\n",
        n / 5
    )
}

/// CPU seconds (user + system) of this process's waited-for children, from /proc/self/stat
/// (Linux; `None` elsewhere): fields 16 and 17 of proc(5), in clock ticks of 1/100 s.
fn children_cpu() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let f: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some((f.get(13)?.parse::<f64>().ok()? + f.get(14)?.parse::<f64>().ok()?) / 100.0)
}

/// `faultline validate` of `text` (written to a scratch file), in a process of its own as
/// a user runs it: its CPU seconds (wall seconds where /proc is missing). A process per
/// measurement, because in one process the allocator's state after the previous round
/// made the same linear work (cachegrind: 2.00 times the instructions at 2n) cost up to
/// 2.7 times the time.
fn validate(text: &str) -> f64 {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("scale-{}.toml", std::process::id()));
    std::fs::write(&path, text).expect("the scratch file is written");
    let (cpu, wall) = (children_cpu(), Instant::now());
    let o =
        std::process::Command::new(env!("CARGO_BIN_EXE_faultline")).arg("validate").arg(&path).output().expect("the faultline binary runs");
    let secs = match (cpu, children_cpu()) {
        (Some(a), Some(b)) => b - a,
        _ => wall.elapsed().as_secs_f64(),
    };
    assert_eq!(o.status.code(), Some(0), "the generated scenario is valid: {}", String::from_utf8_lossy(&o.stderr));
    secs
}

/// Compiles and runs to the end; returns the events run.
fn run(text: &str) -> u64 {
    let scenario = scenarios::load_str("bench.toml", text).unwrap_or_else(|e| panic!("the generated scenario is valid: {e}"));
    let mut sim = scenarios::prepare(&scenario, scenario.seed, SimOptions::default()).unwrap_or_else(|e| panic!("it builds: {e}"));
    sim.run();
    sim.events()
}

/// Compiles, builds and runs the first event (where the first max-min solve happens): the
/// setup `faultline run --max-events 1` times.
fn setup(text: &str) -> u64 {
    let scenario = scenarios::load_str("bench.toml", text).unwrap_or_else(|e| panic!("the generated scenario is valid: {e}"));
    let mut sim = scenarios::prepare(&scenario, scenario.seed, SimOptions::default()).unwrap_or_else(|e| panic!("it builds: {e}"));
    let end = sim.end();
    sim.run_until_bounded(end, 1);
    sim.events()
}

/// This thread's CPU time in seconds, from /proc/thread-self/schedstat (Linux, in
/// nanoseconds); `None` elsewhere.
fn cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(s.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
}

/// Seconds of `f(text)`: CPU time where the system reports it, else wall time.
fn timed<T>(f: &impl Fn(&str) -> T, text: &str) -> (f64, T) {
    let (cpu, wall) = (cpu_secs(), Instant::now());
    let r = f(text);
    let secs = match (cpu, cpu_secs()) {
        (Some(a), Some(b)) => b - a,
        _ => wall.elapsed().as_secs_f64(),
    };
    (secs, r)
}

/// Best-of-`rounds` seconds of `faultline validate` on the texts of size n and 2n,
/// alternating.
fn validate_pair(rounds: usize, small: &str, large: &str) -> (f64, f64) {
    let (mut ts, mut tl) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..rounds {
        ts = ts.min(validate(small));
        tl = tl.min(validate(large));
    }
    (ts, tl)
}

/// Best-of-`rounds` seconds of `f` on the texts of size n and 2n, alternating.
fn time_pair<T>(rounds: usize, small: &str, large: &str, f: impl Fn(&str) -> T) -> (f64, f64, T, T) {
    let (mut ts, mut tl) = (f64::INFINITY, f64::INFINITY);
    let (mut rs, mut rl) = (None, None);
    for _ in 0..rounds {
        let (t, r) = timed(&f, small);
        ts = ts.min(t);
        rs = Some(r);
        let (t, r) = timed(&f, large);
        tl = tl.min(t);
        rl = Some(r);
    }
    (ts, tl, rs.expect("one round at least"), rl.expect("one round at least"))
}

fn report(name: &str, n: usize, unit: &str, ts: f64, tl: f64, extra: &str) {
    let exponent = (tl / ts).log2();
    let verdict = if exponent <= GOAL { "met" } else { "MISSED" };
    let clock = if cpu_secs().is_some() { "CPU" } else { "wall" };
    println!(
        "{name:<14} n = {n:>7} {unit}: {ts:>7.3} s | 2n: {tl:>7.3} s {clock} | exponent {exponent:.2} (goal <= {GOAL}: {verdict}){extra}"
    );
}

/// The growth exponent between `n` and `m` > `n`: log(t(m) / t(n)) / log(m / n).
fn report_span(name: &str, (n, m): (usize, usize), unit: &str, (ts, tl): (f64, f64), goal: f64, extra: &str) {
    let exponent = (tl / ts).ln() / (m as f64 / n as f64).ln();
    let verdict = if exponent <= goal { "met" } else { "MISSED" };
    let clock = if cpu_secs().is_some() { "CPU" } else { "wall" };
    println!(
        "{name:<14} n = {n:>7} {unit}: {ts:>7.3} s | {m}: {tl:>7.3} s {clock} | exponent {exponent:.2} (goal <= {goal}: {verdict}){extra}"
    );
}

/// Goal of issue 15: bench-scale with lazy control packets at least 20 times as fast as with
/// every packet an event.
const LAZY_GOAL: f64 = 20.0;

/// bench-scale (scenarios-data/bench-scale.toml) built and run with `control`: (seconds to
/// build, seconds to run, events, fingerprint).
fn bench_scale_run(text: &str, control: ControlMode) -> (f64, f64, u64, u64) {
    let scenario = scenarios::load_str("bench-scale.toml", text).unwrap_or_else(|e| panic!("bench-scale is valid: {e}"));
    let opts = SimOptions { control, ..SimOptions::default() };
    let (build, mut sim) =
        timed(&|_: &str| scenarios::prepare(&scenario, scenario.seed, opts).unwrap_or_else(|e| panic!("it builds: {e}")), "");
    let (cpu, wall) = (cpu_secs(), Instant::now());
    sim.run();
    let run = match (cpu, cpu_secs()) {
        (Some(a), Some(b)) => b - a,
        _ => wall.elapsed().as_secs_f64(),
    };
    (build, run, sim.events(), sim.fingerprint())
}

/// bench-scale lazy and per-packet in the same process: the per-packet run once (it takes
/// seconds), the lazy one best of three; both must give the same events and fingerprint.
fn lazy_against_per_packet() {
    let text =
        std::fs::read_to_string("scenarios-data/bench-scale.toml").unwrap_or_else(|e| panic!("scenarios-data/bench-scale.toml: {e}"));
    let (pb, pr, pe, pf) = bench_scale_run(&text, ControlMode::PerPacket);
    let mut lazy = (f64::INFINITY, f64::INFINITY, 0, 0);
    for _ in 0..3 {
        let r = bench_scale_run(&text, ControlMode::Lazy);
        if r.0 + r.1 < lazy.0 + lazy.1 {
            lazy = r;
        }
    }
    let (lb, lr, le, lf) = lazy;
    assert_eq!((pe, pf), (le, lf), "lazy and per-packet runs of bench-scale differ");
    let ratio = (pb + pr) / (lb + lr);
    println!(
        "lazy: bench-scale ({pe} events, fingerprint {pf:016x}): per-packet {:.2} s (build {pb:.2} + run {pr:.2}), lazy {:.2} s (build {lb:.2} + run {lr:.2}): {ratio:.1}x build and run, {:.1}x run alone (goal >= {LAZY_GOAL}x) {}",
        pb + pr,
        lb + lr,
        pr / lr,
        if ratio >= LAZY_GOAL { "ok" } else { "BELOW GOAL" }
    );
}

fn main() {
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let want = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    // Chains of 32,000 and 64,000, 8 and 16 times the filed 4,000 (75 s and 40 s before), so
    // that the process's fixed costs do not flatter the exponent.
    if want("fault-chain") {
        let n = 32_000;
        let (ts, tl) = validate_pair(3, &fault_chain(n), &fault_chain(2 * n));
        report("fault-chain", n, "faults", ts, tl, "");
    }
    if want("runbook-chain") {
        let n = 32_000;
        let (ts, tl) = validate_pair(3, &runbook_chain(n), &runbook_chain(2 * n));
        report("runbook-chain", n, "steps", ts, tl, "");
    }
    if want("long-ids") {
        let n = 2000;
        let (ts, tl) = validate_pair(3, &long_ids(n), &long_ids(2 * n));
        report("long-ids", n, "copies", ts, tl, " (1,000-character ids)");
    }
    if want("routes") {
        let n = 5000;
        let (ts, tl) = validate_pair(3, &routes(n), &routes(2 * n));
        report("routes", n, "groups", ts, tl, " (each over its own interconnect)");
    }
    if want("flows") {
        let n = std::env::var("FAULTLINE_BENCH_FLOWS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
        let (ts, tl, es, el) = time_pair(1, &flows(n), &flows(2 * n), run);
        report("flows", n, "flows", ts, tl, &format!(" ({es} and {el} events)"));
    }
    // Issue 15: from 125 to 4,000 interconnects in bench-scale's shape, the setup (compile,
    // build, first solve) and a 5-minute run; the goal for the run is an exponent of 1.1.
    if want("interconnects") {
        let (n, m) = (125, 4000);
        let (ts, tl, _, _) = time_pair(1, &interconnects(n), &interconnects(m), setup);
        report_span("ics setup", (n, m), "ics", (ts, tl), GOAL, " (compile, build, first event)");
        let (ts, tl, es, el) = time_pair(1, &interconnects(n), &interconnects(m), run);
        report_span("ics run", (n, m), "ics", (ts, tl), 1.1, &format!(" ({es} and {el} events, 5 simulated minutes)"));
    }
    if want("random-faults") {
        let secs = 1800;
        let (ts, tl, es, el) = time_pair(1, &random_faults(secs), &random_faults(2 * secs), run);
        report("random-faults", secs, "s", ts, tl, &format!(" ({es} and {el} events)"));
    }
    if want("lazy") {
        lazy_against_per_packet();
    }
}
