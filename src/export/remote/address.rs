//! Which addresses a remote image may be fetched from: public ones only.
//! A notes folder cloned from a stranger must not make a build read the
//! user's own machine, network or cloud metadata service (and pack the
//! answer into a shared package). The check is made in ureq's resolver, on
//! the very addresses it then connects to, so a name that resolves to a
//! public address when looked at and a private one when used (DNS
//! rebinding) gets nowhere; and numeric forms such as `2130706433` or
//! `0x7f.1` are judged by what they resolve to.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// What kind of address one is, for fetching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Public,
    Loopback,
    Private,
    LinkLocal,
    Unspecified,
    /// Carrier-grade NAT (100.64.0.0/10), where some clouds' metadata is.
    SharedNat,
    Multicast,
    /// Broadcast, documentation, benchmarking, protocol and future ranges.
    Reserved,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self {
            Kind::Public => "a public address",
            Kind::Loopback => "a loopback address (this machine)",
            Kind::Private => "a private network address",
            Kind::LinkLocal => "a link-local address (cloud metadata lives there)",
            Kind::Unspecified => "an unspecified address",
            Kind::SharedNat => "a carrier-grade NAT address",
            Kind::Multicast => "a multicast address",
            Kind::Reserved => "a reserved address",
        })
    }
}

/// The kind of `ip`; an IPv6 form of an IPv4 address (mapped, compatible,
/// NAT64) is the kind of that IPv4 address.
pub fn kind(ip: IpAddr) -> Kind {
    match ip {
        IpAddr::V4(v4) => kind_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => kind_v4(v4),
            None => kind_v6(v6),
        },
    }
}

fn kind_v4(ip: Ipv4Addr) -> Kind {
    let [a, b, c, _] = ip.octets();
    match (a, b) {
        // 0.0.0.0/8: "this network", which reaches this machine.
        (0, _) => Kind::Unspecified,
        (127, _) => Kind::Loopback,
        (10, _) | (172, 16..=31) | (192, 168) => Kind::Private,
        (169, 254) => Kind::LinkLocal,
        (100, 64..=127) => Kind::SharedNat,
        (224..=239, _) => Kind::Multicast,
        (240..=255, _) => Kind::Reserved,
        (192, 0) if c == 0 || c == 2 => Kind::Reserved,
        (198, 18..=19) => Kind::Reserved,
        (198, 51) if c == 100 => Kind::Reserved,
        (203, 0) if c == 113 => Kind::Reserved,
        _ => Kind::Public,
    }
}

fn kind_v6(ip: Ipv6Addr) -> Kind {
    let first = ip.segments()[0];
    if ip.is_unspecified() {
        Kind::Unspecified
    } else if ip.is_loopback() {
        Kind::Loopback
    } else if first & 0xfe00 == 0xfc00 {
        Kind::Private
    } else if first & 0xffc0 == 0xfe80 {
        Kind::LinkLocal
    } else if first & 0xffc0 == 0xfec0 {
        // Site-local: deprecated, and private where still used.
        Kind::Private
    } else if first & 0xff00 == 0xff00 {
        Kind::Multicast
    } else if first == 0x2001 && ip.segments()[1] == 0x0db8 {
        Kind::Reserved
    } else {
        Kind::Public
    }
}

/// The IPv4 address inside an IPv6 one: `::ffff:a.b.c.d` (mapped),
/// `::a.b.c.d` (compatible, deprecated), `64:ff9b::a.b.c.d` (NAT64) and
/// `2002:aabb:ccdd::` (6to4), which reach that IPv4 address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let v4 = |high: u16, low: u16| Some(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low)));
    match s {
        [0, 0, 0, 0, 0, 0xffff, high, low] => v4(high, low),
        // `::` and `::1` are IPv6's own.
        [0, 0, 0, 0, 0, 0, 0, 0 | 1] => None,
        [0, 0, 0, 0, 0, 0, high, low] => v4(high, low),
        [0x64, 0xff9b, 0, 0, 0, 0, high, low] => v4(high, low),
        [0x2002, high, low, ..] => v4(high, low),
        _ => None,
    }
}

/// An address a fetch was refused, with why.
#[derive(Debug)]
pub struct Refusal {
    pub ip: IpAddr,
    pub kind: Kind,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "refused: {} is {}", self.ip, self.kind)
    }
}

impl std::error::Error for Refusal {}

/// ureq's resolver, refusing a host when any of its addresses is not
/// public.
#[derive(Debug)]
pub struct PublicOnly {
    inner: DefaultResolver,
    /// For notedeck's own tests: the one loopback port allowed too, where
    /// the test's server is (any other stays refused).
    loopback_port: Option<u16>,
}

impl PublicOnly {
    pub fn new(loopback_port: Option<u16>) -> Self {
        PublicOnly {
            inner: DefaultResolver::default(),
            loopback_port,
        }
    }

    fn check(&self, addr: SocketAddr) -> Result<(), Refusal> {
        let ip = addr.ip();
        match kind(ip) {
            Kind::Public => Ok(()),
            Kind::Loopback if self.loopback_port == Some(addr.port()) => Ok(()),
            kind => Err(Refusal { ip, kind }),
        }
    }
}

impl Resolver for PublicOnly {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addrs = self.inner.resolve(uri, config, timeout)?;
        for addr in addrs.iter() {
            self.check(*addr).map_err(|refusal| {
                ureq::Error::Io(io::Error::new(io::ErrorKind::PermissionDenied, refusal))
            })?;
        }
        Ok(addrs)
    }
}

/// The refusal inside an error of ureq, when the resolver refused.
pub fn refusal(err: &ureq::Error) -> Option<&Refusal> {
    match err {
        ureq::Error::Io(io) => io.get_ref()?.downcast_ref(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_told_apart() {
        for (ip, expected) in [
            ("8.8.8.8", Kind::Public),
            ("93.184.215.14", Kind::Public),
            ("2606:4700::1111", Kind::Public),
            ("127.0.0.1", Kind::Loopback),
            ("127.1.2.3", Kind::Loopback),
            ("::1", Kind::Loopback),
            ("10.1.2.3", Kind::Private),
            ("172.16.0.1", Kind::Private),
            ("172.31.255.255", Kind::Private),
            ("192.168.1.1", Kind::Private),
            ("fc00::1", Kind::Private),
            ("fd12:3456::1", Kind::Private),
            ("fd00:ec2::254", Kind::Private),
            ("169.254.169.254", Kind::LinkLocal),
            ("fe80::1", Kind::LinkLocal),
            ("0.0.0.0", Kind::Unspecified),
            ("0.1.2.3", Kind::Unspecified),
            ("::", Kind::Unspecified),
            ("100.64.0.1", Kind::SharedNat),
            ("100.100.100.200", Kind::SharedNat),
            ("224.0.0.1", Kind::Multicast),
            ("ff02::1", Kind::Multicast),
            ("255.255.255.255", Kind::Reserved),
            ("::ffff:127.0.0.1", Kind::Loopback),
            ("::ffff:169.254.169.254", Kind::LinkLocal),
            ("::ffff:10.0.0.1", Kind::Private),
            ("::127.0.0.1", Kind::Loopback),
            ("64:ff9b::192.168.0.1", Kind::Private),
            ("2002:7f00:1::", Kind::Loopback),
            ("::ffff:8.8.8.8", Kind::Public),
        ] {
            assert_eq!(kind(ip.parse().unwrap()), expected, "{ip}");
        }
        assert_eq!(kind("172.32.0.1".parse().unwrap()), Kind::Public);
        assert_eq!(kind("100.128.0.1".parse().unwrap()), Kind::Public);
    }

    /// What the resolver makes of `url`: the refusal's words, or "ok".
    fn resolve(url: &str, loopback_port: Option<u16>) -> String {
        let resolver = PublicOnly::new(loopback_port);
        let uri: Uri = url.parse().unwrap();
        match resolver.resolve(&uri, &Config::default(), NextTimeout::default()) {
            Ok(_) => "ok".into(),
            Err(err) => refusal(&err).map_or_else(|| err.to_string(), ToString::to_string),
        }
    }

    /// Every spelling of this machine resolves to it, and is refused (but
    /// on the one port a test allows): only numeric forms and `localhost`
    /// (from /etc/hosts), so no name server is asked.
    #[test]
    fn every_spelling_of_this_machine_is_refused_after_resolving() {
        for url in [
            "https://127.0.0.1/x.png",
            "https://2130706433/x.png",
            "https://0x7f.1/x.png",
            "https://0177.0.0.1/x.png",
            "https://127.1/x.png",
            "https://[::1]/x.png",
            "https://[::ffff:127.0.0.1]/x.png",
            "https://localhost/x.png",
            "https://localhost:443/x.png",
        ] {
            let said = resolve(url, None);
            assert!(
                said.starts_with("refused: ") && said.contains("loopback"),
                "{url}: {said}"
            );
            assert_eq!(resolve(url, Some(443)), "ok", "{url}");
        }
        let other_port = resolve("http://localhost:8765/x.png", Some(443));
        assert!(other_port.contains("loopback"), "{other_port}");
        for (url, kind) in [
            ("https://169.254.169.254/latest/meta-data", "link-local"),
            ("https://[::ffff:169.254.169.254]/", "link-local"),
            ("https://10.0.0.1/", "private"),
            ("https://0.0.0.0/", "unspecified"),
            ("https://100.100.100.200/", "carrier-grade NAT"),
        ] {
            let said = resolve(url, Some(443));
            assert!(said.contains(kind), "{url}: {said}");
        }
    }
}
