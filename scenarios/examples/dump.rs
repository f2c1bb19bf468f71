//! Prints a library scenario's fault reports (a development aid).
fn main() {
    let name = std::env::args().nth(1).unwrap_or_else(|| scenarios::FLAGSHIP.to_string());
    let s = match scenarios::resolve(&name) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(3);
        }
    };
    let out = scenarios::run(&s, s.seed, Default::default()).expect("validated");
    for f in &out.report.faults {
        println!(
            "{} {} {} at={:.1} end={:?} det={:?} conv={:?} rec={:?} lost={} {:?}",
            f.id, f.kind, f.target, f.at_s, f.end_s, f.detect_s, f.converge_s, f.recover_s, f.lost_bytes, f.effect
        );
    }
    for g in &out.report.traffic {
        println!("{} min={:?} mean={} stalls={:?} rto={:?}", g.id, g.min_throughput_bps, g.mean_throughput_bps, g.stalls, g.rto_s);
    }
    println!("{}", out.verdict.name());
}
