//! A human description of a scenario for `faultline show`: topology, negotiated timers,
//! traffic, faults, alarms, runbook, expectations, `[sweep]` gates and `faultline live`'s
//! proxies.
//!
//! Derived from the compiled spec and sim-core's validated model (for goodput and the
//! generated routers and facilities); it does not run anything.

use std::fmt::Write;

use sim_core::model::Link;
use sim_core::spec::*;
use sim_core::{Model, SimDuration};

use crate::units::{Throughput, fmt_bps, fmt_bytes, fmt_ppm};
use crate::{Expectations, Scenario, SweepExpect};

/// Interconnects listed in full before the rest are summarised (bench-scale has 1,000).
const MAX_LISTED: usize = 8;

/// A session's configured timers and what sim-core negotiates from them
/// ([`sim_core::negotiate`], the same function the simulation uses).
fn session_line(s: &SessionSpec) -> String {
    let n = sim_core::negotiate(s);
    let mut out = format!(
        "BGP keepalive/hold A {}/{}, B {}/{} -> negotiated hold {}",
        s.bgp[0].keepalive, s.bgp[0].hold, s.bgp[1].keepalive, s.bgp[1].hold, n.hold
    );
    match &s.bfd {
        None => out.push_str("; BFD off"),
        Some(b) => {
            let _ = write!(
                out,
                "; BFD A {} x {}, B {} x {} -> intervals {}/{}, detection A {} / B {}",
                b[0].desired_min_tx,
                b[0].multiplier,
                b[1].desired_min_tx,
                b[1].multiplier,
                n.bfd_tx[0],
                n.bfd_tx[1],
                n.bfd_detect[0],
                n.bfd_detect[1]
            );
        }
    }
    out
}

fn framing(f: Framing) -> String {
    let mut parts = Vec::new();
    if f.ethernet {
        parts.push("Ethernet".to_string());
    }
    if f.macsec {
        parts.push("MACsec".to_string());
    }
    if f.extra_bytes > 0 {
        parts.push(format!("+{} B/pkt", f.extra_bytes));
    }
    parts.join("+")
}

fn action(a: &FaultAction) -> String {
    match a {
        FaultAction::Down => "down".into(),
        FaultAction::Blackhole => "blackhole".into(),
        FaultAction::Partition(d) => format!("partition {d:?}"),
        FaultAction::Degrade(d) => format!(
            "degrade loss {} delay +{} jitter {} capacity {}",
            fmt_ppm(d.loss_ppm),
            d.extra_delay,
            d.jitter,
            fmt_ppm(d.capacity_ppm)
        ),
        FaultAction::Flap { period, up_ppm, count } => format!("flap {count} x {period}, up {}", fmt_ppm(*up_ppm)),
        FaultAction::BgpReset => "BGP reset".into(),
        FaultAction::BfdDisable => "BFD disabled".into(),
        FaultAction::Drain { wait } => format!("drain (prepend, wait {wait}, down)"),
    }
}

fn delay(d: &Delay) -> String {
    match d {
        Delay::Fixed(x) => x.to_string(),
        Delay::Uniform { min, max } => format!("uniform {min}..{max}"),
    }
}

fn opt(d: Option<SimDuration>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// Describes `s` in plain text, one fact per line.
pub fn describe(s: &Scenario) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "scenario {}: {}", s.name, s.summary);
    let _ = writeln!(o, "source {}, duration {}, seed {}", s.source.display_name(), s.duration, s.seed);
    let model = match Model::build(&s.spec) {
        Ok(m) => m,
        Err(e) => {
            let _ = writeln!(o, "invalid model: {e}");
            return o;
        }
    };
    topology(&mut o, &model);
    routing(&mut o, &model);
    traffic(&mut o, &s.spec);
    faults(&mut o, &s.spec);
    alarms(&mut o, &s.spec);
    runbook(&mut o, &s.spec);
    expectations(&mut o, s);
    sweep_gates(&mut o, &s.sweep);
    proxies(&mut o, s);
    o
}

/// `[[proxy]]` tables, for `faultline live`.
fn proxies(o: &mut String, s: &Scenario) {
    if s.proxies.is_empty() {
        return;
    }
    let _ = writeln!(o, "\nproxies (faultline live):");
    for p in &s.proxies {
        let _ = writeln!(o, "  proxy {}: {} -> {}, traffic {}", p.name, p.listen, p.upstream, p.traffic);
    }
}

/// Sites, interconnects (channel by channel, with their negotiated timers and routing
/// policy), then the links that belong to no interconnect.
fn topology(o: &mut String, model: &Model) {
    let _ = writeln!(
        o,
        "\ntopology: {} sites, {} links, {} routers, {} facilities",
        model.sites.len(),
        model.links.len(),
        model.routers.len(),
        model.facilities.len()
    );
    for site in model.sites.iter().take(MAX_LISTED * 2) {
        let _ = writeln!(o, "  site {} ({:?}, internal RTT {})", site.id, site.kind, site.internal_rtt);
    }
    if model.sites.len() > MAX_LISTED * 2 {
        let _ = writeln!(o, "  ... and {} more sites", model.sites.len() - MAX_LISTED * 2);
    }
    for ic in model.interconnects.iter().take(MAX_LISTED) {
        interconnect(o, model, ic);
    }
    if model.interconnects.len() > MAX_LISTED {
        let _ = writeln!(o, "  ... and {} more interconnects", model.interconnects.len() - MAX_LISTED);
    }
    for l in model.links.iter().filter(|l| l.interconnect.is_none()) {
        standalone_link(o, l);
    }
}

/// One interconnect: its sites and facilities, a line per channel, the session timers
/// (every channel of an interconnect shares the first one's) and the routing policy that
/// governs its links (two interconnects between the same sites may differ).
fn interconnect(o: &mut String, model: &Model, ic: &sim_core::model::Interconnect) {
    let links: Vec<&Link> = ic.links.iter().map(|l| &model.links[l.index()]).collect();
    let Some(first) = links.first() else { return };
    let mut facs: Vec<&str> = links.iter().filter_map(|l| l.facility.map(|f| model.facilities[f.index()].id.as_str())).collect();
    facs.dedup();
    let _ = writeln!(
        o,
        "  interconnect {}: {} <-> {}, {} channels in {} facilities ({})",
        ic.id,
        first.spec.a_site,
        first.spec.b_site,
        links.len(),
        facs.len(),
        facs.join(", ")
    );
    for l in &links {
        channel(o, model, l);
    }
    if let Some(sess) = &first.spec.session {
        let _ = writeln!(o, "    timers: {}", session_line(sess));
    }
    let adj = &model.adjacencies[first.adjacency.index()];
    if let Some(p) = adj.policies.get(first.policy as usize) {
        // Convergence is per adjacency side; print it in this interconnect's A/B order.
        let conv = if first.flipped { [p.convergence[1], p.convergence[0]] } else { p.convergence };
        let lr = if first.flipped { [p.local_repair[1], p.local_repair[0]] } else { p.local_repair };
        // sim-core keeps one hashing choice per pair of sites, whichever interconnect set it.
        let others = adj.links.iter().any(|l| model.links[l.index()].policy != first.policy);
        let shared = if others { " across the site pair" } else { "" };
        let _ = writeln!(
            o,
            "    routing: ECMP up to {} (max_paths), {}{shared}, convergence {} / {}, local repair {} / {}",
            p.max_paths,
            hashing(adj.resilient_buckets),
            conv[0],
            conv[1],
            lr[0],
            lr[1]
        );
    }
}

fn hashing(resilient_buckets: Option<u32>) -> String {
    resilient_buckets.map_or("hash modulo N".to_string(), |b| format!("resilient hashing ({b} buckets)"))
}

fn channel(o: &mut String, model: &Model, l: &Link) {
    let _ = writeln!(
        o,
        "    {}: {} line, {} goodput, MTU {}, {}, one-way {}, queue {}, {}, routers {} <-> {}{}",
        l.spec.id,
        fmt_bps(u64::from(l.spec.members) * l.spec.member_bps),
        fmt_bps(l.goodput_bps),
        l.spec.mtu,
        framing(l.spec.framing),
        l.spec.one_way_delay,
        fmt_bytes(l.spec.queue_bytes),
        l.facility.map_or("no facility", |f| model.facilities[f.index()].id.as_str()),
        model.routers[l.routers[0].index()].id,
        model.routers[l.routers[1].index()].id,
        if l.spec.base_loss_ppm > 0 { format!(", loss {}", fmt_ppm(l.spec.base_loss_ppm)) } else { String::new() }
    );
}

/// A VPN tunnel or backbone span, which carries its own session (or none).
fn standalone_link(o: &mut String, l: &Link) {
    let kind = match l.spec.kind {
        LinkKind::Vpn => "vpn tunnel",
        LinkKind::Backbone => "backbone",
        LinkKind::Channel => "channel",
    };
    let _ = writeln!(
        o,
        "  {kind} {}: {} <-> {}, {} goodput, one-way {}, queue {}, local-pref {}{}",
        l.spec.id,
        l.spec.a_site,
        l.spec.b_site,
        fmt_bps(l.goodput_bps),
        l.spec.one_way_delay,
        fmt_bytes(l.spec.queue_bytes),
        l.spec.route[0].local_pref,
        l.spec.session.as_ref().map(|s| format!("; {}", session_line(s))).unwrap_or_else(|| "; no BGP session (follows carrier)".into())
    );
}

/// Site pairs with their ECMP policy and convergence times.
fn routing(o: &mut String, model: &Model) {
    let _ = writeln!(o, "\nrouting:");
    // Pinned adjacencies (a shift onto one connection) are shown with their step.
    for a in model.adjacencies.iter().filter(|a| a.pin.is_none()).take(MAX_LISTED) {
        // The policies the adjacency's links actually use, in order of first use.
        let mut used: Vec<usize> = Vec::new();
        for l in &a.links {
            let p = model.links[l.index()].policy as usize;
            if !used.contains(&p) {
                used.push(p);
            }
        }
        for (k, &p) in used.iter().enumerate() {
            let policy = &a.policies[p];
            let scope = match (used.len(), policy.interconnect) {
                (1, _) => format!("{} links", a.links.len()),
                (_, Some(ic)) => format!("{}'s links", model.interconnects[ic.index()].id),
                (_, None) => "other links".to_string(),
            };
            let pair = if k == 0 {
                format!("{} <-> {}", model.sites[a.sites[0].index()].id, model.sites[a.sites[1].index()].id)
            } else {
                "    and".to_string()
            };
            let _ = writeln!(
                o,
                "  {pair}: {scope}, ECMP up to {}, {}, convergence {} / {}, local repair {} / {}",
                policy.max_paths,
                a.resilient_buckets.map_or("hash modulo N".to_string(), |b| format!("resilient hashing ({b} buckets)")),
                policy.convergence[0],
                policy.convergence[1],
                policy.local_repair[0],
                policy.local_repair[1]
            );
        }
    }
    if model.adjacencies.len() > MAX_LISTED {
        let _ = writeln!(o, "  ... and {} more site pairs", model.adjacencies.len() - MAX_LISTED);
    }
}

/// Each group's volume and route, then its TCP profile with the constants that decide a
/// stall: the RTO rule and bounds, the timer clock, the tail loss probe, repair and growth,
/// and when a connection or a connect() is given up.
fn traffic(o: &mut String, spec: &ModelSpec) {
    let _ = writeln!(o, "\ntraffic:");
    for t in spec.traffic.iter().take(MAX_LISTED) {
        let _ = writeln!(
            o,
            "  {}: {}, {} flows, {}{}, {} TCP{}{}{}",
            t.id,
            t.route.join(" -> "),
            t.flows,
            t.demand_bps.map_or("bulk".to_string(), fmt_bps),
            t.bytes_per_flow.map(|b| format!(", {} per flow", fmt_bytes(b))).unwrap_or_default(),
            t.tcp.profile.name(),
            if t.start.as_nanos() > 0 { format!(", starts at {}", t.start) } else { String::new() },
            if t.replication { ", replication" } else { "" },
            if t.rehash_on_rto { ", re-hashes its ECMP member on every RTO" } else { "" }
        );
        let _ = writeln!(o, "    tcp {}: {}", t.tcp.profile.name(), tcp_constants(&t.tcp));
        let _ = writeln!(o, "    give-up: {}", tcp_give_up(&t.tcp));
    }
    if spec.traffic.len() > MAX_LISTED {
        let _ = writeln!(o, "  ... and {} more groups", spec.traffic.len() - MAX_LISTED);
    }
}

/// RTO rule and bounds, clock, tail loss probe, repair and growth.
fn tcp_constants(t: &TcpSpec) -> String {
    let rule = match t.rule {
        RtoRule::Linux => "srtt + max(4 rttvar, rto_min)".to_string(),
        RtoRule::Rfc6298 => "max(srtt + 4 rttvar, rto_min)".to_string(),
        RtoRule::Xnu => format!("max(srtt + 4 rttvar, rto_min) + {} slop", t.rto_slop),
    };
    let clock = match t.clock {
        TimerClock::Exact => "exact timers".to_string(),
        TimerClock::Jiffies { hz } => format!("{hz} Hz jiffies on the timer wheel"),
    };
    let repair = match t.repair {
        Repair::FrtoSack => "F-RTO + SACK repair",
        Repair::GoBackN => "go-back-N repair",
    };
    let growth = match t.growth {
        Growth::Cubic => "CUBIC",
        Growth::Reno => "Reno",
    };
    format!(
        "RTO initial {}, min {}, max {}, {rule}, {clock}; {}; {repair}; {growth}; initial window {}, rwnd {}, delayed ACK {}",
        t.rto_initial,
        t.rto_min,
        t.rto_max,
        if t.tail_loss_probe { "tail loss probe" } else { "no tail loss probe" },
        t.initial_window,
        fmt_bytes(t.rwnd_bytes),
        if t.delayed_ack.as_nanos() > 0 { t.delayed_ack.to_string() } else { "off".to_string() }
    )
}

/// When unacknowledged data gives the connection up, and the SYN schedule.
fn tcp_give_up(t: &TcpSpec) -> String {
    let data = match (t.user_timeout, t.abort) {
        (Some(u), _) => format!("user timeout {u} (TCP_USER_TIMEOUT)"),
        (None, AbortRule::LinuxModel) => {
            let at = sim_core::tcp::rto::linux_model_timeout(t.retries, t.rto_min, t.rto_max);
            format!("{} retries (tcp_retries2), at the first RTO past {at} unacknowledged", t.retries)
        }
        (None, AbortRule::Count) => format!("after {} retransmissions", t.retries),
        (None, AbortRule::Never) => "never".to_string(),
    };
    let waits: Vec<String> = t.syn.waits().iter().map(|w| w.to_string()).collect();
    format!("{data}; SYN waits {} (connect() fails {} after the first SYN)", waits.join(", "), t.syn.give_up())
}
/// Scripted faults, then random fault processes; the section is left out when there are none.
fn faults(o: &mut String, spec: &ModelSpec) {
    if !spec.faults.is_empty() || !spec.random_faults.is_empty() {
        let _ = writeln!(o, "\nfaults:");
    }
    for f in &spec.faults {
        let when = match &f.trigger {
            Trigger::At(t) => format!("at {t}"),
            Trigger::After { fault, delay } => format!("{delay} after `{fault}`"),
        };
        let _ = writeln!(
            o,
            "  {}: {} on {} {when}, {}",
            f.id,
            action(&f.action),
            f.target,
            f.duration.map_or("until the end".to_string(), |d| format!("for {d}"))
        );
    }
    for r in &spec.random_faults {
        let _ = writeln!(
            o,
            "  {}: random {} of every {:?}, MTBF {} MTTR {}{}",
            r.id,
            action(&r.action),
            r.class,
            r.mtbf,
            r.mttr,
            if r.max_faults > 0 { format!(", at most {}", r.max_faults) } else { String::new() }
        );
    }
}

fn alarms(o: &mut String, spec: &ModelSpec) {
    if !spec.alarms.is_empty() {
        let _ = writeln!(o, "\nalarms:");
    }
    for a in &spec.alarms {
        let c = match &a.condition {
            AlarmCondition::GroupBelow { group, fraction_ppm, for_ } => format!("`{group}` below {} for {for_}", fmt_ppm(*fraction_ppm)),
            AlarmCondition::SessionDown { target, for_ } => format!("a session on {target} down for {for_}"),
            AlarmCondition::Unreachable { group, for_ } => format!("`{group}` delivers nothing for {for_}"),
            AlarmCondition::LossAbove { group, loss_ppm, for_ } => format!("`{group}` loses above {} for {for_}", fmt_ppm(*loss_ppm)),
            AlarmCondition::LatencyAbove { group, rtt, for_ } => format!("`{group}` round trip above {rtt} for {for_}"),
        };
        let _ = writeln!(o, "  {}: {c}", a.id);
    }
}

fn runbook(o: &mut String, spec: &ModelSpec) {
    if !spec.steps.is_empty() {
        let _ = writeln!(o, "\nrunbook:");
    }
    for st in &spec.steps {
        let trig = match &st.trigger {
            StepTrigger::Alarm(a) => format!("on alarm `{a}`"),
            StepTrigger::At(t) => format!("at {t}"),
            StepTrigger::AfterStep(p) => format!("after step `{p}`"),
        };
        let _ = writeln!(o, "  {}: {trig}, after {}, {}", st.id, delay(&st.delay), step_action(&st.action));
    }
}

fn step_action(a: &StepAction) -> String {
    match a {
        StepAction::Shift(sh) => format!("shift {}", shift(sh)),
        StepAction::Drain { link } => format!("drain {link}"),
        StepAction::Prefer { name, attrs, .. } => {
            format!("prefer {name}: local-pref {}, prepend {}, MED {}", attrs.local_pref, attrs.prepend, attrs.med)
        }
        StepAction::Failover { shifts } => format!("fail over {}", shifts.iter().map(shift).collect::<Vec<_>>().join(", ")),
    }
}

/// "`group` to a -> b", with "(over vpn)" after a hop pinned to one connection.
fn shift(sh: &ShiftSpec) -> String {
    let mut route = String::new();
    for (k, site) in sh.route.iter().enumerate() {
        if k > 0 {
            route.push_str(" -> ");
        }
        route.push_str(site);
        if let Some(Some(pin)) = k.checked_sub(1).and_then(|h| sh.over.get(h)) {
            route.push_str(&format!(" (over {})", pin.name));
        }
    }
    format!("`{}` to {route}", sh.group)
}

/// The `[expect]` SLOs on one line, the traffic they are scoped to, and the verdict the
/// file documents.
fn expectations(o: &mut String, s: &Scenario) {
    let ex = expectation_list(&s.expect);
    let _ =
        writeln!(o, "\nexpect: {}", if ex.is_empty() { "nothing (the verdict will be inconclusive)".to_string() } else { ex.join("; ") });
    if !s.expect.traffic.is_empty() {
        let _ = writeln!(o, "  for traffic {}", s.expect.traffic.join(", "));
    }
    if let Some(v) = s.documented_verdict() {
        let _ = writeln!(o, "  documented verdict: {}", v.name());
    }
}

/// The `[sweep]` gates, which only `faultline sweep` judges.
fn sweep_gates(o: &mut String, e: &SweepExpect) {
    if e.is_empty() {
        return;
    }
    let rate = |p: Option<u32>| p.map_or_else(|| "0% (default)".to_string(), fmt_ppm);
    let mut gates = Vec::new();
    if let Some(m) = e.min_runs {
        gates.push(format!("at least {m} seeds"));
    }
    gates.push(format!("failing seeds at most {}", rate(e.fail_rate_within)));
    gates.push(format!("inconclusive seeds at most {}", rate(e.inconclusive_rate_within)));
    let pairs = [
        ("detect p50", e.detect_p50_within),
        ("detect p99", e.detect_p99_within),
        ("detect max", e.detect_max_within),
        ("recover p50", e.recover_p50_within),
        ("recover p99", e.recover_p99_within),
        ("recover max", e.recover_max_within),
    ];
    for (k, v) in pairs {
        if let Some(v) = v {
            gates.push(format!("{k} within {v}"));
        }
    }
    let _ = writeln!(o, "sweep gates: {}", gates.join("; "));
    let _ = writeln!(o, "  judged by `faultline sweep` over every seed it runs; `run` and `check` ignore them");
}

/// Each expectation that is set, in `[expect]` key order.
fn expectation_list(e: &Expectations) -> Vec<String> {
    let mut ex: Vec<String> = Vec::new();
    let pairs = [
        ("detect within", opt(e.detect_within)),
        ("converge within", opt(e.converge_within)),
        ("recover within", opt(e.recover_within)),
        ("RTO within", opt(e.rto_within)),
        ("RPO within", opt(e.rpo_within)),
        ("stall p99 within", opt(e.stall_p99_within)),
    ];
    for (k, v) in pairs {
        if let Some(v) = v {
            ex.push(format!("{k} {v}"));
        }
    }
    match e.min_throughput {
        Some(Throughput::Fraction(p)) => ex.push(format!("throughput at least {} of offered", fmt_ppm(p))),
        Some(Throughput::Absolute(b)) => ex.push(format!("throughput at least {}", fmt_bps(b))),
        None => {}
    }
    if let Some(b) = e.max_lost_bytes {
        ex.push(format!("at most {} lost", fmt_bytes(b)));
    }
    if e.no_loss {
        ex.push("no loss".into());
    }
    if e.undetected {
        ex.push("undetected by BGP/BFD (gray failure)".into());
    }
    ex
}
