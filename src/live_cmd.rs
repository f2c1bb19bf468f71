//! `faultline live`: the scenario paced by the wall clock, real TCP through its proxies, a
//! control API; at the end (or on Ctrl-C) the run's report plus predicted against observed.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use faultline_live::report::ConnectionReport;
use faultline_live::session::{LiveOptions, Notice};
use scenarios::Scenario;
use serde_json::json;

use crate::outcome::Outcome;
use crate::{human, json, runner};

pub struct LiveArgs {
    pub seed: Option<u64>,
    pub speed: f64,
    pub api: Option<SocketAddr>,
    pub allow_remote: bool,
    pub token_file: Option<PathBuf>,
    pub toxiproxy_compat: bool,
    pub hold: bool,
    pub l3: bool,
    pub json: bool,
    pub export: Option<PathBuf>,
}

/// The API token: the token file's content (an explicit flag wins, as in `tui --attach`),
/// else `FAULTLINE_TOKEN`, else a new random token, written to the token file (or to a file
/// of its own) with mode 0600.
fn token(file: Option<&Path>) -> anyhow::Result<(String, Option<PathBuf>)> {
    if let Some(f) = file
        && let Ok(t) = std::fs::read_to_string(f)
        && !t.trim().is_empty()
    {
        return Ok((t.trim().to_string(), None));
    }
    if let Ok(t) = std::env::var("FAULTLINE_TOKEN")
        && !t.trim().is_empty()
    {
        return Ok((t.trim().to_string(), None));
    }
    let mut raw = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut r| std::io::Read::read_exact(&mut r, &mut raw))
        .map_err(|e| anyhow::anyhow!("cannot draw a random API token from /dev/urandom: {e}"))?;
    let t: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    let path = file.map_or_else(|| std::env::temp_dir().join(format!("faultline-live-{}.token", std::process::id())), Path::to_path_buf);
    crate::output::write_atomic_private(&path, t.as_bytes())?;
    Ok((t, Some(path)))
}

pub fn cmd_live(s: &Scenario, a: LiveArgs) -> anyhow::Result<u8> {
    if a.token_file.as_deref().is_some_and(crate::output::is_stdout) {
        crate::output::err("error: --token-file -: the API token is a secret, never written to standard output; name a file");
        return Ok(crate::EXIT_INVALID);
    }
    let claims = [("--json", a.json), ("--export -", a.export.as_deref().is_some_and(crate::output::is_stdout))];
    let summary_to_stderr = match crate::output::stdout_owner(&claims) {
        Ok(owner) => owner.is_some_and(|f| f != "--json"),
        Err(msg) => {
            crate::output::err(&format!("error: {msg}"));
            return Ok(crate::EXIT_INVALID);
        }
    };
    let seed = a.seed.unwrap_or(s.seed);
    let (token, written) = token(a.token_file.as_deref())?;
    if s.proxies.is_empty() && a.api.is_none() {
        crate::output::err(&format!(
            "note: {} has no [[proxy]] table and the API is off: nothing real will pass through this run",
            s.source.display_name()
        ));
    }
    let opts = LiveOptions {
        seed,
        speed: a.speed,
        api: a.api,
        allow_remote: a.allow_remote,
        token,
        toxiproxy_compat: a.toxiproxy_compat,
        hold: a.hold,
        l3: a.l3,
    };
    let secs = s.duration.as_secs_f64() / a.speed;
    crate::output::err(&format!("live: {} (seed {seed}) at speed {}: {} of wall time", s.name, a.speed, scenarios::units::show_secs(secs)));
    if let Some(p) = &written {
        crate::output::err(&format!("live: API token written to {} (mode 0600); send it as `Authorization: Bearer <token>`", p.display()));
    }
    let start = std::time::Instant::now();
    let result = match faultline_live::run(s, &opts, |n| match n {
        Notice::Proxy(p) => crate::output::err(&format!(
            "live: proxy {} listening on {} -> {}{}",
            p.name,
            p.listen,
            p.upstream,
            p.traffic.map(|t| format!(" (traffic {t})")).unwrap_or_default()
        )),
        Notice::Api(addr) => crate::output::err(&format!("live: API on http://{addr} (GET /state, POST /faults, Toxiproxy /proxies)")),
        Notice::Holding => crate::output::err("live: the run has ended; --hold keeps the proxies and the API up until Ctrl-C"),
        Notice::Signal(sig) => crate::output::err(&format!("live: {sig} received; stopping and writing the report")),
        Notice::L3(msg) => crate::output::err(&format!("live: {msg}")),
    }) {
        Ok(r) => r,
        Err(e) => {
            crate::output::err(&format!("error: {e}"));
            return Ok(crate::EXIT_INVALID);
        }
    };
    // Without injected faults the live run is `faultline run` of the same file and seed; with
    // them, of the export, which the reproduce line then names.
    let mut o = runner::outcome(s, seed, &result.sim, false, start.elapsed().as_secs_f64());
    if let Some(text) = &result.export {
        let path = a.export.clone().unwrap_or_else(|| PathBuf::from(format!("faultline-live-{}-{seed}.toml", safe(&s.name))));
        crate::output::write_atomic(&path, text.as_bytes())?;
        crate::output::err(&format!(
            "live: the injected faults are scripted in {} (replay with `faultline run {}`)",
            path.display(),
            path.display()
        ));
        o.origin = path.display().to_string();
    }
    let live = json!({
        "interrupted": result.interrupted,
        "sim_time_s": result.sim.now().as_secs_f64(),
        "speed": a.speed,
        "connections": result.connections,
        "faults": per_fault(&o, &result.connections),
        "injected": result.injected,
        "toxics": result.toxics,
        "l3": result.l3,
    });
    if a.json {
        let mut v = json::run(&o);
        if let Some(m) = v.as_object_mut() {
            m.insert("live".into(), live);
        }
        crate::output::out(&(serde_json::to_string_pretty(&v)? + "\n"));
    } else {
        let mut text = human::summary(&o);
        text.push_str(&render(&o, &result.connections, result.interrupted));
        crate::output::summary(&text, summary_to_stderr);
    }
    if result.interrupted {
        return Ok(2);
    }
    Ok(o.verdict.exit_code() as u8)
}

fn safe(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// Per fault: the connections open during its window, the longest predicted and observed
/// stall among them that began during the window (from its start to its repair, or the end
/// of the run), and how many of them were reset then.
fn per_fault(o: &Outcome, conns: &[ConnectionReport]) -> Vec<serde_json::Value> {
    o.report
        .faults
        .iter()
        .map(|f| {
            let end = f.end_s.unwrap_or(o.report.duration_s);
            let within = |t: f64| t >= f.at_s && t <= end;
            let during: Vec<&ConnectionReport> =
                conns.iter().filter(|c| c.opened_s <= end && c.closed_s.is_none_or(|x| x >= f.at_s)).collect();
            let longest = |pick: fn(&ConnectionReport) -> &Vec<[f64; 2]>| {
                during.iter().flat_map(|c| pick(c).iter()).filter(|s| within(s[0])).map(|s| s[1]).fold(0.0f64, f64::max)
            };
            json!({
                "id": f.id,
                "at_s": f.at_s,
                "end_s": f.end_s,
                "recover_s": f.recover_s,
                "connections": during.len(),
                "predicted_stall_max_s": longest(|c| &c.predicted_stalls),
                "observed_stall_max_s": longest(|c| &c.observed_stalls),
                "resets": during.iter().filter(|c| c.reset && c.closed_s.is_some_and(&within)).count(),
            })
        })
        .collect()
}

fn render(o: &Outcome, conns: &[ConnectionReport], interrupted: bool) -> String {
    let mut t = String::from("\nLive: predicted by the simulation against observed by the proxy\n");
    if interrupted {
        t.push_str("(stopped before the end of the run: the report covers the simulated time reached)\n");
    }
    let faults = per_fault(o, conns);
    if !faults.is_empty() {
        let rows: Vec<Vec<String>> = faults
            .iter()
            .map(|f| {
                vec![
                    f["id"].as_str().unwrap_or("?").to_string(),
                    f["connections"].to_string(),
                    human::secs(f["predicted_stall_max_s"].as_f64()),
                    human::secs(f["observed_stall_max_s"].as_f64()),
                    f["resets"].to_string(),
                ]
            })
            .collect();
        t.push_str(&human::table(&["fault", "connections", "predicted stall", "observed stall", "resets"], &rows));
    }
    if conns.is_empty() {
        t.push_str("no connection went through the proxies\n");
        return t;
    }
    let rows: Vec<Vec<String>> = conns
        .iter()
        .map(|c| {
            vec![
                c.id.to_string(),
                c.proxy.clone(),
                c.flow.map_or("-".into(), |f| f.to_string()),
                format!("{:.3}", c.opened_s),
                c.closed_s.map_or("open".into(), |x| format!("{x:.3}")),
                human::bytes(c.bytes_up),
                human::bytes(c.bytes_down),
                human::secs(Some(c.predicted_stall_max_s)),
                human::secs(Some(c.observed_stall_max_s)),
                format!("{:.0}/{:.0} µs", c.overhead_p50_us, c.overhead_max_us),
                format!("{:?}", c.ending).to_lowercase(),
            ]
        })
        .collect();
    t.push_str(&human::table(
        &["conn", "proxy", "flow", "opened s", "closed s", "up", "down", "predicted stall", "observed stall", "overhead p50/max", "ending"],
        &rows,
    ));
    t
}
