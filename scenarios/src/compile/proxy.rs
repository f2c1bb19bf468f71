//! `[[proxy]]` tables (`faultline live`): the traffic group each proxy feeds, its listen
//! address and its upstream, checked where they are written.
//!
//! It reads the compiled traffic groups and returns the proxies; it adds nothing to the spec,
//! so a file with proxies runs (and fingerprints) exactly as it would without them.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::ops::Range;

use sim_core::spec::{Fidelity, ModelSpec};

use super::R;
use super::context::{Ctx, Decorate};
use super::traffic::group;
use crate::format::{self, Sp};
use crate::live::Proxy;

const LISTEN_HELP: &str = "listen is an IP address and a port, e.g. \"127.0.0.1:15432\" or \"[::1]:15432\" (port 0 takes any free port)";

const UPSTREAM_HELP: &str = "upstream is host:port, e.g. \"127.0.0.1:5432\", \"localhost:6379\" or \"[::1]:5432\"";

pub(super) fn proxies(cx: &Ctx<'_>, spec: &ModelSpec, list: &[Sp<format::Proxy>]) -> R<Vec<Proxy>> {
    let mut out: Vec<(Proxy, Range<usize>, Range<usize>)> = Vec::with_capacity(list.len());
    for p in list {
        let t = &p.value;
        let traffic = group(cx, spec, &t.traffic)?;
        let index = spec.traffic.iter().position(|g| g.id == traffic).unwrap_or_default();
        // Under `--fidelity` the command is `run`, which ignores proxies: the group's
        // fidelity is the flag's, not the one `live` would simulate.
        if cx.fidelity.is_none() && spec.traffic[index].fidelity == Fidelity::Packet {
            return Err(cx
                .err(
                    &t.traffic.span,
                    format!("traffic group `{traffic}` is simulated at packet fidelity; `live` proxies fluid groups only"),
                )
                .label("real connections follow a fluid group's flows")
                .help("point the proxy at a fluid traffic group, or remove fidelity = \"packet\" from this one"));
        }
        let listen = listen(cx, &t.listen)?;
        upstream(cx, &t.upstream)?;
        let (name, name_span) = match &t.name {
            Some(n) => (n.value.clone(), n.span.clone()),
            None => (traffic.clone(), t.traffic.span.clone()),
        };
        check_name(cx, &name, &name_span, t.name.is_none())?;
        if let Some((_, prev, _)) = out.iter().find(|(q, _, _)| q.name == name) {
            let line = line_of(cx, prev);
            let d = cx.err(&name_span, format!("duplicate proxy name `{name}`")).label(format!("already used on line {line}"));
            return Err(if t.name.is_none() { d.help("give each proxy of the same traffic group its own `name`") } else { d });
        }
        if let Some((q, _, prev)) = out.iter().find(|(q, _, _)| clash(q.listen, listen)) {
            let line = line_of(cx, prev);
            return Err(cx
                .err(&t.listen.span, format!("proxy `{name}` listens on {listen}, which proxy `{}` already takes ({})", q.name, q.listen))
                .label(format!("already used on line {line}"))
                .help("give each proxy its own port, or port 0 for any free one"));
        }
        let proxy = Proxy { name, traffic, group: index, listen, upstream: t.upstream.value.trim().to_string() };
        out.push((proxy, name_span, t.listen.span.clone()));
    }
    Ok(out.into_iter().map(|(p, _, _)| p).collect())
}

fn line_of(cx: &Ctx<'_>, span: &Range<usize>) -> usize {
    cx.text[..span.start.min(cx.text.len())].matches('\n').count() + 1
}

/// Two listen addresses that cannot both be bound: the same non-zero port on the same
/// address, or on any address when one of them is the wildcard (`0.0.0.0`, `[::]`).
fn clash(a: SocketAddr, b: SocketAddr) -> bool {
    a.port() != 0 && a.port() == b.port() && (a.ip() == b.ip() || a.ip().is_unspecified() || b.ip().is_unspecified())
}

/// `listen`: an `IP:port` socket address; host names are not resolved.
fn listen(cx: &Ctx<'_>, l: &Sp<String>) -> R<SocketAddr> {
    let text = l.value.trim();
    if let Ok(a) = text.parse::<SocketAddr>() {
        return Ok(a);
    }
    let d = cx.err(&l.span, format!("listen `{}` is not an IP:port socket address", l.value));
    let d = match text.rsplit_once(':') {
        None if text.parse::<IpAddr>().is_ok() => d.label("add the port, e.g. `:15432`"),
        None => d.label("no port"),
        Some((host, port)) => match port.parse::<u16>() {
            Err(_) => d.label(format!("`{port}` is not a port (0 to 65535)")),
            Ok(_) if host.parse::<Ipv6Addr>().is_ok() => d.label("write an IPv6 address in brackets, e.g. `[::1]:15432`"),
            Ok(_) => d.label(format!("`{host}` is not an IP address (names are not resolved for listen)")),
        },
    };
    Err(d.help(LISTEN_HELP))
}

/// `upstream`: `host:port` with a port from 1 to 65535; the host is an IP address (IPv6 in
/// brackets) or a DNS name, resolved when a connection is made.
fn upstream(cx: &Ctx<'_>, u: &Sp<String>) -> R<()> {
    let text = u.value.trim();
    let bad = |label: String| -> R<()> {
        Err(cx.err(&u.span, format!("upstream `{}` is not host:port", u.value)).label(label).help(UPSTREAM_HELP))
    };
    let Some((host, port)) = text.rsplit_once(':') else {
        return bad("no port".to_string());
    };
    match port.parse::<u16>() {
        Ok(0) => return bad("port 0 is not a port a connection can be made to (1 to 65535)".to_string()),
        Ok(_) => {}
        Err(_) if port.is_empty() => return bad("no port after the `:`".to_string()),
        Err(_) => return bad(format!("`{port}` is not a port (1 to 65535)")),
    }
    if host.is_empty() {
        return bad("no host before the port".to_string());
    }
    if let Some(inner) = host.strip_prefix('[') {
        return match inner.strip_suffix(']').map(str::parse::<Ipv6Addr>) {
            Some(Ok(_)) => Ok(()),
            _ => bad(format!("`{host}` is not an IPv6 address in brackets")),
        };
    }
    if host.contains(':') {
        return bad("write an IPv6 address in brackets, e.g. `[::1]:5432`".to_string());
    }
    if host.len() > 253 || !host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')) {
        return bad(format!("`{host}` is neither an IP address nor a host name"));
    }
    Ok(())
}

/// A proxy name goes into API paths (`/proxies/{name}`): no `/`, `?`, `#`, `%` or spaces.
fn check_name(cx: &Ctx<'_>, name: &str, span: &Range<usize>, defaulted: bool) -> R<()> {
    let bad = name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '?' | '#' | '%'));
    if !bad {
        return Ok(());
    }
    let msg =
        if name.is_empty() { "the proxy name is empty".to_string() } else { format!("proxy name `{name}` cannot be used in an API path") };
    let d = cx.err(span, msg).label("a name without `/`, `?`, `#`, `%` or spaces");
    Err(if defaulted { d.help("the name defaults to the traffic id; set `name` to something else") } else { d })
}
