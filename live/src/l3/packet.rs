//! Just enough of IPv4 and TCP to bind a packet to a flow and to follow a connection's
//! sequence space: addresses, ports, sequence and acknowledgment numbers, flags, payload
//! length. Nothing is rewritten; a packet is forwarded byte for byte.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

/// A TCP segment as seen on a TUN device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    pub src: SocketAddrV4,
    pub dst: SocketAddrV4,
    pub seq: u32,
    /// The acknowledgment number, when the ACK flag is set.
    pub ack: Option<u32>,
    pub syn: bool,
    pub fin: bool,
    pub rst: bool,
    /// Payload bytes (the segment's length less its headers).
    pub len: u32,
}

impl Segment {
    /// A SYN without ACK: the segment that opens a connection, sent by its client.
    pub fn opens(&self) -> bool {
        self.syn && self.ack.is_none()
    }

    /// One past the last payload byte's sequence number.
    pub fn end(&self) -> u32 {
        self.seq.wrapping_add(self.len)
    }
}

/// What a packet read from a TUN device is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// An unfragmented TCP segment.
    Tcp(Segment),
    /// Another IPv4 packet (ICMP, UDP, a fragment, or TCP too short to read): it is forwarded
    /// on the flow its addresses (and UDP ports) bind to, and followed by no connection.
    Other { src: SocketAddr, dst: SocketAddr },
    /// Not IPv4 (the namespaces have IPv4 addresses only; IPv6 here is the kernel's own
    /// link-local chatter): dropped.
    NotIpv4,
}

const TCP: u8 = 6;
const UDP: u8 = 17;

/// Reads a packet's IPv4 and TCP headers.
pub(crate) fn parse(pkt: &[u8]) -> Parsed {
    if pkt.len() < 20 || pkt[0] >> 4 != 4 {
        return Parsed::NotIpv4;
    }
    let ihl = usize::from(pkt[0] & 0x0f) * 4;
    let total = usize::from(u16::from_be_bytes([pkt[2], pkt[3]])).min(pkt.len());
    let src = Ipv4Addr::new(pkt[12], pkt[13], pkt[14], pkt[15]);
    let dst = Ipv4Addr::new(pkt[16], pkt[17], pkt[18], pkt[19]);
    let proto = pkt[9];
    // More fragments, or a non-zero fragment offset.
    let fragment = u16::from_be_bytes([pkt[6], pkt[7]]) & 0x3fff != 0;
    let other = |sport: u16, dport: u16| Parsed::Other {
        src: SocketAddr::V4(SocketAddrV4::new(src, sport)),
        dst: SocketAddr::V4(SocketAddrV4::new(dst, dport)),
    };
    if ihl < 20 || total < ihl || fragment {
        return other(0, 0);
    }
    let l4 = &pkt[ihl..total];
    let ports = || (l4.len() >= 4).then(|| (u16::from_be_bytes([l4[0], l4[1]]), u16::from_be_bytes([l4[2], l4[3]])));
    match proto {
        TCP if l4.len() >= 20 => {
            let doff = usize::from(l4[12] >> 4) * 4;
            if doff < 20 || doff > l4.len() {
                let (s, d) = ports().unwrap_or((0, 0));
                return other(s, d);
            }
            let flags = l4[13];
            let (sport, dport) = (u16::from_be_bytes([l4[0], l4[1]]), u16::from_be_bytes([l4[2], l4[3]]));
            let seq = u32::from_be_bytes([l4[4], l4[5], l4[6], l4[7]]);
            let ack = u32::from_be_bytes([l4[8], l4[9], l4[10], l4[11]]);
            Parsed::Tcp(Segment {
                src: SocketAddrV4::new(src, sport),
                dst: SocketAddrV4::new(dst, dport),
                seq,
                ack: (flags & 0x10 != 0).then_some(ack),
                syn: flags & 0x02 != 0,
                fin: flags & 0x01 != 0,
                rst: flags & 0x04 != 0,
                len: (l4.len() - doff) as u32,
            })
        }
        UDP => {
            let (s, d) = ports().unwrap_or((0, 0));
            other(s, d)
        }
        _ => other(0, 0),
    }
}

/// `a` comes after `b` in sequence space (RFC 9293 §3.4, modulo 2^32).
pub(crate) fn seq_after(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An IPv4/TCP packet (checksums left zero: only the kernel checks them, and these never
    /// reach one).
    pub(crate) fn tcp_packet(src: SocketAddrV4, dst: SocketAddrV4, seq: u32, ack: Option<u32>, flags: u8, payload: usize) -> Vec<u8> {
        let total = 20 + 20 + payload;
        let mut p = vec![0u8; total];
        p[0] = 0x45;
        p[2..4].copy_from_slice(&(total as u16).to_be_bytes());
        p[6] = 0x40; // DF
        p[8] = 64;
        p[9] = TCP;
        p[12..16].copy_from_slice(&src.ip().octets());
        p[16..20].copy_from_slice(&dst.ip().octets());
        let t = &mut p[20..];
        t[0..2].copy_from_slice(&src.port().to_be_bytes());
        t[2..4].copy_from_slice(&dst.port().to_be_bytes());
        t[4..8].copy_from_slice(&seq.to_be_bytes());
        t[8..12].copy_from_slice(&ack.unwrap_or(0).to_be_bytes());
        t[12] = 5 << 4;
        t[13] = flags | if ack.is_some() { 0x10 } else { 0 };
        p
    }

    #[test]
    fn reads_tcp_headers() {
        let a = SocketAddrV4::new(Ipv4Addr::new(10, 201, 0, 1), 40000);
        let b = SocketAddrV4::new(Ipv4Addr::new(10, 201, 0, 2), 5001);
        let p = tcp_packet(a, b, 7, Some(9), 0x08, 100);
        let Parsed::Tcp(s) = parse(&p) else { panic!("not tcp: {:?}", parse(&p)) };
        assert_eq!((s.src, s.dst, s.seq, s.ack, s.len, s.syn, s.fin, s.rst), (a, b, 7, Some(9), 100, false, false, false));
        assert_eq!(s.end(), 107);
        let syn = tcp_packet(a, b, u32::MAX, None, 0x02, 0);
        let Parsed::Tcp(s) = parse(&syn) else { panic!() };
        assert!(s.opens());
        assert_eq!(s.end(), u32::MAX);
    }

    #[test]
    fn other_packets_and_garbage() {
        assert_eq!(parse(&[]), Parsed::NotIpv4);
        assert_eq!(parse(&[0x60; 40]), Parsed::NotIpv4);
        let mut p = tcp_packet(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 1), SocketAddrV4::new(Ipv4Addr::LOCALHOST, 2), 0, None, 0, 0);
        p[9] = 1; // ICMP
        assert!(matches!(parse(&p), Parsed::Other { .. }));
        p[9] = TCP;
        p[32] = 0xf0; // data offset past the end
        assert!(matches!(parse(&p), Parsed::Other { .. }));
        p[0] = 0x4f; // IHL past the end
        assert!(matches!(parse(&p), Parsed::Other { .. }));
        // Every truncation of a valid packet parses to something, without panicking.
        let q = tcp_packet(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 1), SocketAddrV4::new(Ipv4Addr::LOCALHOST, 2), 0, None, 0, 10);
        for n in 0..q.len() {
            let _ = parse(&q[..n]);
        }
    }

    #[test]
    fn sequence_space_wraps() {
        assert!(seq_after(1, 0));
        assert!(seq_after(5, u32::MAX - 5));
        assert!(!seq_after(u32::MAX - 5, 5));
        assert!(!seq_after(3, 3));
    }
}
