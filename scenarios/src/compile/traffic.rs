//! `[[traffic]]` tables: volume, TCP profile and its overrides, fidelity and packet options,
//! `count` replication and the route each group takes; and looking up a group by name.
//!
//! It reads the topology and adds traffic groups to the spec.

use sim_core::SimTime;
use sim_core::model::Model;
use sim_core::spec::*;

use super::R;
use super::context::{Ctx, Decorate, choice, claim, copies, subst};
use super::sites::route;
use crate::error::did_you_mean;
use crate::format::{self, Sp};
use crate::units::{Dur, Whole};

pub(super) fn traffic(cx: &mut Ctx<'_>, spec: &mut ModelSpec, topo: &Model, t: &Sp<format::Traffic>) -> R<()> {
    let g = &t.value;
    check_volume(cx, g)?;
    let tcp = tcp_model(cx, t)?;
    let own = choice(cx, &g.fidelity, &t.span, "fidelity", FIDELITIES, Fidelity::Fluid, FIDELITY_HELP)?;
    // `--fidelity` replaces the table's choice before any check, so the flag's value meets
    // the same limits as the key's (the caller adds the flag to the message).
    let fidelity = cx.fidelity.unwrap_or(own);
    let packet = packet_options(cx, t, fidelity)?;
    let start = match &g.start {
        Some(s) if s.value.0 >= cx.duration => {
            return cx.fail(&s.span, format!("the traffic starts at {}, not before the end of the run ({})", s.value.0, cx.duration));
        }
        Some(s) => SimTime::ZERO + s.value.0,
        None => SimTime::ZERO,
    };
    for copy in copies(cx, &g.count)? {
        let id = subst(&g.id.value, copy, true);
        if topo.element(&id).is_some() {
            return cx.fail(&g.id.span, format!("duplicate id `{id}`: it already names a {}", topo.element(&id).map_or("", |e| e.class())));
        }
        claim(cx, &id, &g.id.span, "traffic")?;
        if fidelity == Fidelity::Packet {
            // Where sim-core's packet limits (`flows`, the buffer memory) point: the buffer
            // key, or the flows when the buffer is the default one sized from the path.
            cx.fields.set(&id, "flows", &g.flows.span);
            cx.fields.set(&id, "buffer", g.buffer.as_ref().map_or(&g.flows.span, |b| &b.span));
        }
        let mut sites = vec![(subst(&g.from.value, copy, false), g.from.span.clone())];
        sites.extend(g.via.iter().map(|v| (subst(&v.value, copy, false), v.span.clone())));
        sites.push((subst(&g.to.value, copy, false), g.to.span.clone()));
        let route = route(cx, topo, &sites)?;
        spec.traffic.push(TrafficSpec {
            id,
            route,
            flows: g.flows.value,
            demand_bps: g.rate.as_ref().map(|r| r.value.0),
            bytes_per_flow: g.bytes.as_ref().map(|b| b.value.0),
            start,
            tcp,
            rehash_on_rto: g.rehash_on_rto,
            replication: g.replication,
            fidelity,
            packet,
        });
    }
    Ok(())
}

/// Flows, rate and bytes per flow: each must be non-zero when given.
fn check_volume(cx: &Ctx<'_>, g: &format::Traffic) -> R<()> {
    if g.flows.value == 0 {
        return Err(cx.err(&g.flows.span, "flows must be at least 1").label("a traffic group with no flows carries nothing"));
    }
    if g.flows.value > MAX_FLOWS_PER_GROUP {
        return Err(cx
            .err(&g.flows.span, format!("traffic `{}`: {} flows in one group; at most 1,000,000 are supported", g.id.value, g.flows.value))
            .help("split the traffic into several groups, or use `count` for copies of a smaller one"));
    }
    if let Some(r) = &g.rate
        && r.value.0 == 0
    {
        return Err(cx.err(&r.span, "rate must be positive").help("omit `rate` for bulk flows limited only by the network"));
    }
    if let Some(b) = &g.bytes
        && b.value.0 == 0
    {
        return cx.fail(&b.span, "bytes per flow must be positive (omit it for flows that run to the end)");
    }
    Ok(())
}

/// sim-core's limit on one group's flows (`Model::build` checks it again).
pub(crate) const MAX_FLOWS_PER_GROUP: u32 = 1_000_000;

/// Packet fidelity's limit on one group's flows: a smoltcp socket pair per flow.
const MAX_PACKET_FLOWS: u32 = 1024;

pub(crate) const FIDELITIES: &[(&str, Fidelity)] = &[("fluid", Fidelity::Fluid), ("packet", Fidelity::Packet)];

const FIDELITY_HELP: &str = "fidelity is \"fluid\" (rates and a TCP model) or \"packet\" (smoltcp TCP, packets hop by hop)";

pub(crate) const CONGESTION_CONTROLS: &[(&str, CongestionControl)] =
    &[("cubic", CongestionControl::Cubic), ("reno", CongestionControl::Reno)];

const CC_HELP: &str = "cc is \"cubic\" (default) or \"reno\"";

/// The TCP profile with the file's overrides of its constants: the RTO bounds (rto_max at
/// or above rto_min), the give-up (`retries`, `user_timeout`) and the SYN schedule.
fn tcp_model(cx: &Ctx<'_>, t: &Sp<format::Traffic>) -> R<TcpSpec> {
    let g = &t.value;
    let profiles: Vec<(&str, TcpSpec)> = TcpProfile::ALL.iter().map(|p| (p.name(), p.spec())).collect();
    let mut tcp = choice(cx, &g.tcp, &t.span, "TCP model", &profiles, TcpSpec::LINUX, &tcp_help())?;
    if let Some(d) = &g.rto_min {
        tcp.rto_min = cx.positive(d, "rto_min")?;
    }
    if let Some(d) = &g.rto_initial {
        tcp.rto_initial = cx.positive(d, "rto_initial")?;
    }
    if let Some(d) = &g.rto_max {
        tcp.rto_max = cx.positive(d, "rto_max")?;
    }
    if tcp.rto_max < tcp.rto_min {
        let span = g.rto_max.as_ref().or(g.rto_min.as_ref()).map_or(&t.span, |s| &s.span);
        return cx.fail(span, format!("rto_max {} is below rto_min {}", tcp.rto_max, tcp.rto_min));
    }
    if let Some(r) = &g.retries {
        tcp.retries = retries(cx, r, &tcp)?;
    }
    if let Some(d) = &g.user_timeout {
        tcp.user_timeout = Some(cx.positive(d, "user_timeout")?);
    }
    if let Some(s) = &g.syn_schedule {
        tcp.syn = syn_schedule(cx, s)?;
    }
    Ok(tcp)
}

/// The `tcp` help: every profile with its RTO bounds, from the profiles' own constants.
fn tcp_help() -> String {
    let each: Vec<String> = TcpProfile::ALL
        .iter()
        .map(|p| {
            let s = p.spec();
            let slop = if s.rto_slop.as_nanos() > 0 { format!(" + {} slop", s.rto_slop) } else { String::new() };
            format!("\"{}\" (RTO min {}{slop}, max {})", p.name(), s.rto_min, s.rto_max)
        })
        .collect();
    format!("tcp is one of {} (default \"linux\")", each.join(", "))
}

/// `retries`: a whole number of at least 1, for a profile that gives up by counting.
fn retries(cx: &Ctx<'_>, r: &Sp<Whole>, tcp: &TcpSpec) -> R<u32> {
    if tcp.abort == AbortRule::Never {
        return Err(cx
            .err(
                &r.span,
                format!("the {} profile never gives up on retransmissions, so `retries` would change nothing", tcp.profile.name()),
            )
            .help("set `user_timeout` (smoltcp's socket timeout) to give connections up, or pick another `tcp` profile"));
    }
    let n = r.value.0;
    match u32::try_from(n) {
        Ok(n) if n >= 1 => Ok(n),
        _ if n < 1 => Err(cx
            .err(&r.span, format!("retries must be at least 1, not {n}"))
            .label("retransmissions before the connection is given up")
            .help("to give a connection up after a time instead, set `user_timeout`")),
        _ => cx.fail(&r.span, format!("retries {n} is too large (at most {})", u32::MAX)),
    }
}

/// `syn_schedule`: 1 to 16 positive waits, one after each SYN.
fn syn_schedule(cx: &Ctx<'_>, s: &Sp<Vec<Sp<Dur>>>) -> R<SynSchedule> {
    const EXAMPLE: &str =
        "e.g. syn_schedule = [\"1s\", \"1s\", \"2s\"]: three SYNs, 1 s apart then 2 s, and connect() fails 4 s after the first";
    if s.value.is_empty() {
        return Err(cx
            .err(&s.span, "syn_schedule needs at least one wait")
            .label("connect() would fail before its first SYN")
            .help(EXAMPLE));
    }
    if let Some(extra) = s.value.get(SynSchedule::MAX) {
        return Err(cx
            .err(&extra.span, format!("syn_schedule has {} waits; at most {} are allowed", s.value.len(), SynSchedule::MAX))
            .label("the first wait past the limit")
            .help(EXAMPLE));
    }
    let mut waits = Vec::with_capacity(s.value.len());
    for w in &s.value {
        waits.push(cx.positive(w, "each syn_schedule wait")?);
    }
    Ok(SynSchedule::from_waits(&waits).expect("1..=16 positive waits make a schedule"))
}

/// `cc` and `buffer`, which only packet fidelity uses, and packet fidelity's flow limit.
fn packet_options(cx: &Ctx<'_>, t: &Sp<format::Traffic>, fidelity: Fidelity) -> R<PacketOptions> {
    let g = &t.value;
    let cc = choice(cx, &g.cc, &t.span, "congestion control", CONGESTION_CONTROLS, CongestionControl::Cubic, CC_HELP)?;
    if fidelity == Fidelity::Fluid
        && let Some(s) = g.cc.as_ref().map(|c| &c.span).or(g.buffer.as_ref().map(|b| &b.span))
    {
        let fix = if cx.fidelity.is_some() { "run without --fidelity fluid, or remove them" } else { "add fidelity = \"packet\"" };
        return cx.fail(s, format!("traffic `{}`: `cc` and `buffer` apply to packet fidelity only; {fix}", g.id.value));
    }
    if let Some(b) = &g.buffer
        && !(4096..=(1u64 << 30)).contains(&b.value.0)
    {
        return cx.fail(&b.span, "buffer must be between 4 KiB and 1 GiB (smoltcp's window-scaling limit)");
    }
    if fidelity == Fidelity::Packet && g.flows.value > MAX_PACKET_FLOWS {
        return Err(cx
            .err(
                &g.flows.span,
                format!(
                    "traffic `{}`: packet fidelity runs a TCP stack per flow: at most {MAX_PACKET_FLOWS} flows per group (this group has {})",
                    g.id.value, g.flows.value
                ),
            )
            .help("use fluid fidelity for more flows, or split the group"));
    }
    Ok(PacketOptions { cc, buffer_bytes: g.buffer.as_ref().map(|b| b.value.0) })
}

pub(super) fn group(cx: &Ctx<'_>, spec: &ModelSpec, name: &Sp<String>) -> R<String> {
    if spec.traffic.iter().any(|g| g.id == name.value) {
        return Ok(name.value.clone());
    }
    let mut d = cx.err(&name.span, format!("unknown traffic group `{}`", name.value));
    if let Some(n) = did_you_mean(&name.value, spec.traffic.iter().map(|g| g.id.as_str())) {
        d = d.label(format!("did you mean `{n}`?"));
    }
    Err(d)
}
