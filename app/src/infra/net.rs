//! Who the client is on the network. Behind a load balancer the TCP peer is the balancer for
//! everybody, so `X-Forwarded-For` / `Forwarded` are read, but only from peers the operator listed
//! in `KEFU_TRUSTED_PROXIES`: the client is the right-most hop that is not a trusted proxy. From any
//! other peer the headers are ignored (anyone can send them).

use std::net::IpAddr;

use http::HeaderMap;

/// One address or CIDR block (`10.0.0.0/8`, `192.168.1.7`, `fd00::/8`), kept in its canonical form
/// (host bits cleared, IPv4-mapped IPv6 as IPv4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cidr {
    addr: IpAddr,
    bits: u8,
}

impl Cidr {
    /// Parses `addr` or `addr/bits`; the error names the entry.
    pub fn parse(entry: &str) -> Result<Cidr, String> {
        let entry = entry.trim();
        let (addr, bits) = match entry.split_once('/') {
            Some((addr, bits)) => (addr, Some(bits)),
            None => (entry, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| format!("not an IP address or CIDR block: {entry}"))?;
        let mapped = matches!(addr, IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some());
        let addr = canonical(addr);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            Some(bits) => {
                let bits = bits.parse::<u8>().ok().filter(|b| *b <= if mapped { 128 } else { max });
                let bits = bits.ok_or(format!("bad prefix length: {entry}"))?;
                if mapped {
                    bits.checked_sub(96).ok_or(format!("bad prefix length: {entry}"))?
                } else {
                    bits
                }
            }
            None => max,
        };
        Ok(Cidr { addr: masked(addr, bits), bits })
    }

    /// The block of `bits` leading bits around `ip` (`1.2.3.4`, 24: `1.2.3.0/24`).
    pub fn around(ip: IpAddr, bits: u8) -> Cidr {
        let ip = canonical(ip);
        let bits = bits.min(if ip.is_ipv4() { 32 } else { 128 });
        Cidr { addr: masked(ip, bits), bits }
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_eq(&net.octets(), &ip.octets(), self.bits),
            (IpAddr::V6(net), IpAddr::V6(ip)) => prefix_eq(&net.octets(), &ip.octets(), self.bits),
            _ => false,
        }
    }

    /// The network an address is kept as when its full form may not be (IPv4 /24, IPv6 /48).
    pub fn network_of(ip: IpAddr) -> Cidr {
        let ip = canonical(ip);
        Cidr::around(ip, if ip.is_ipv4() { 24 } else { 48 })
    }

    /// The prefix length (32 or 128 for one address).
    pub fn prefix(&self) -> u8 {
        self.bits
    }

    pub fn is_ipv4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// How many addresses the block covers, as a power of two.
    pub fn host_bits(&self) -> u8 {
        (if self.addr.is_ipv4() { 32 } else { 128 }) - self.bits
    }
}

impl std::fmt::Display for Cidr {
    /// `1.2.3.4` for one address, `1.2.3.0/24` for a block.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host_bits() == 0 {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.bits)
        }
    }
}

/// `ip` with all but its leading `bits` cleared.
fn masked(ip: IpAddr, bits: u8) -> IpAddr {
    fn clear<const N: usize>(mut octets: [u8; N], bits: u8) -> [u8; N] {
        for (i, o) in octets.iter_mut().enumerate() {
            let keep = (usize::from(bits)).saturating_sub(i * 8).min(8);
            *o &= if keep == 0 { 0 } else { 0xffu8 << (8 - keep) };
        }
        octets
    }
    match ip {
        IpAddr::V4(v4) => IpAddr::from(clear(v4.octets(), bits)),
        IpAddr::V6(v6) => IpAddr::from(clear(v6.octets(), bits)),
    }
}

/// A list of CIDR blocks (`10.0.0.0/8, 192.168.1.7 fd00::/8`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    /// Parses a comma- or space-separated list; an error names the first bad entry.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        list.split([',', ' '])
            .filter(|e| !e.trim().is_empty())
            .map(Cidr::parse)
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// IPv4 addresses mapped into IPv6 (`::ffff:1.2.3.4`, how a dual-stack listener sees them) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let (whole, rest) = (usize::from(bits / 8), bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        a[whole] & mask == b[whole] & mask
    }
}

/// The client's address: the TCP peer, or, when the peer is a trusted proxy, the right-most hop of
/// the forwarding headers that is not a trusted proxy (`Forwarded` wins over `X-Forwarded-For`).
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = canonical(peer);
    if !trusted.contains(peer) {
        return peer;
    }
    let hops = forwarded_hops(headers);
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        // A hop that does not parse ends the walk: nothing left of it can be believed.
        let Some(hop) = hop else { break };
        client = canonical(hop);
        if !trusted.contains(client) {
            break;
        }
    }
    client
}

/// The client addresses the forwarding headers list, left (first client) to right (last proxy).
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name| headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>();
    let forwarded = values(http::header::FORWARDED);
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(name, _)| name.eq_ignore_ascii_case("for"))
                    .and_then(|(_, node)| parse_node(node))
            })
            .collect();
    }
    values(http::HeaderName::from_static("x-forwarded-for"))
        .iter()
        .flat_map(|v| v.split(','))
        .map(|hop| parse_node(hop.trim()))
        .collect()
}

/// Whether a browser request comes from kefu's own pages: its `Origin` is the public URL's origin
/// or the origin of the host it was sent to, and `Sec-Fetch-Site` (when sent) says the same. A
/// request without either header is not a browser's cross-site request (browsers send `Origin` on
/// every POST and WebSocket handshake) and passes.
pub fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if fetch_site.is_some_and(|site| site != "same-origin" && site != "none") {
        return false;
    }
    let Some(origin) = headers.get(http::header::ORIGIN) else { return true };
    let origin = origin.to_str().unwrap_or_default();
    let host = headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    let scheme_less = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
    (!host.is_empty() && scheme_less == Some(host)) || origin == public_url.trim_end_matches('/')
}

/// `1.2.3.4`, `"1.2.3.4:80"`, `"[::1]:80"` or `::1` as an address.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Ok(ip) = node.parse() {
        return Some(ip);
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse().ok());
    }
    node.rsplit_once(':').and_then(|(ip, _)| ip.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_our_own_origin_is_same_origin() {
        let public = "https://kefu.example";
        let host = ("host", "kefu.example");
        assert!(same_origin(&headers(&[host]), public), "no Origin: not a cross-site browser request");
        assert!(same_origin(&headers(&[host, ("origin", "https://kefu.example")]), public));
        assert!(same_origin(&headers(&[("host", "10.0.0.5:3000"), ("origin", "http://10.0.0.5:3000")]), public));
        assert!(!same_origin(&headers(&[host, ("origin", "https://evil.example")]), public));
        assert!(!same_origin(&headers(&[host, ("origin", "https://kefu.example.evil.example")]), public));
        assert!(!same_origin(&headers(&[host, ("origin", "null")]), public));
        assert!(!same_origin(&headers(&[host, ("sec-fetch-site", "cross-site")]), public));
        assert!(!same_origin(&headers(&[host, ("sec-fetch-site", "same-site")]), public));
        assert!(same_origin(&headers(&[host, ("sec-fetch-site", "same-origin")]), public));
    }

    #[test]
    fn cidr_blocks_match_by_prefix() {
        let trusted = TrustedProxies::parse("10.0.0.0/8, 192.168.1.7 fd00::/8").unwrap();
        assert!(trusted.contains(ip("10.200.3.4")));
        assert!(trusted.contains(ip("::ffff:10.1.1.1")), "IPv4-mapped addresses count as IPv4");
        assert!(trusted.contains(ip("192.168.1.7")));
        assert!(!trusted.contains(ip("192.168.1.8")));
        assert!(trusted.contains(ip("fd12::1")));
        assert!(!trusted.contains(ip("fe80::1")));
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("example.com").is_err());
    }

    #[test]
    fn a_block_is_kept_canonical_and_shown_as_entered() {
        let net = Cidr::parse("203.0.113.77/24").unwrap();
        assert_eq!(net.to_string(), "203.0.113.0/24", "host bits cleared");
        assert!(net.contains(ip("203.0.113.1")) && !net.contains(ip("203.0.114.1")));
        assert_eq!(Cidr::parse(" 198.51.100.7 ").unwrap().to_string(), "198.51.100.7");
        assert_eq!(Cidr::parse("::ffff:198.51.100.0/120").unwrap().to_string(), "198.51.100.0/24");
        assert_eq!(Cidr::parse("2001:db8:1:2::/48").unwrap().to_string(), "2001:db8:1::/48");
        assert_eq!(Cidr::around(ip("2001:db8:1:2::9"), 48), Cidr::parse("2001:db8:1::/48").unwrap());
        assert_eq!(Cidr::around(ip("198.51.100.7"), 24).to_string(), "198.51.100.0/24");
        assert!(Cidr::parse("198.51.100.0/33").is_err() && Cidr::parse("1.2.3").is_err());
        assert!(Cidr::parse("::ffff:1.2.3.4/64").is_err(), "a mapped block shorter than IPv4");
        assert_eq!(Cidr::parse("0.0.0.0/0").unwrap().host_bits(), 32);
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_peers() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let xff = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9, 10.0.0.2")]);
        // From the balancer: the right-most hop that is not one of ours (6.6.6.6 is client-supplied).
        assert_eq!(client_ip(ip("10.0.0.1"), &xff, &trusted), ip("203.0.113.9"));
        // From anyone else the header is ignored.
        assert_eq!(client_ip(ip("198.51.100.1"), &xff, &trusted), ip("198.51.100.1"));
        assert_eq!(client_ip(ip("10.0.0.1"), &xff, &TrustedProxies::default()), ip("10.0.0.1"));
        let forwarded = headers(&[("forwarded", "for=6.6.6.6, for=\"[2001:db8::7]:4711\";proto=https")]);
        assert_eq!(client_ip(ip("10.0.0.1"), &forwarded, &trusted), ip("2001:db8::7"));
        // A garbled hop stops the walk at the last believable address.
        let garbled = headers(&[("x-forwarded-for", "203.0.113.9, unknown")]);
        assert_eq!(client_ip(ip("10.0.0.1"), &garbled, &trusted), ip("10.0.0.1"));
    }
}
