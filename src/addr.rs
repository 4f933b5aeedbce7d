//! Decides whether an IP address would reveal something about the user's network, from a cited table of special-purpose ranges.
//!
//! The table ([`V4_TABLE`], [`V6_TABLE`]) lists every range of the IANA IPv4 and IPv6
//! Special-Purpose Address Registries (RFC 6890 and its updates) that matters for
//! WebRTC, each row citing its source. Lookup is longest-prefix-match, dispatched
//! on the first octet of the address into a small bucket built at compile time,
//! so classification costs a handful of integer compares.
//!
//! # IPv6 forms that embed an IPv4 address
//!
//! An IPv6 address that carries an IPv4 address is classified **by the IPv4
//! address it carries**: if that IPv4 address is private, the IPv6 address is
//! private too (and would leak the same information). The embedded address is
//! reported in [`Classification::embedded_v4`]. Exactly:
//!
//! | form | prefix | embedded IPv4 |
//! | --- | --- | --- |
//! | IPv4-mapped (RFC 4291 §2.5.5.2) | `::ffff:0:0/96` | last 32 bits |
//! | IPv4-compatible, deprecated (RFC 4291 §2.5.5.1) | `::/96` except `::` and `::1` | last 32 bits |
//! | NAT64 well-known prefix (RFC 6052) | `64:ff9b::/96` | last 32 bits |
//! | 6to4 (RFC 3056) | `2002::/16` | bits 16..48 |
//! | Teredo (RFC 4380) | `2001::/32` | the **client's** public IPv4: last 32 bits XOR `0xffffffff` (bits 32..64 are the Teredo server, which is not the user's and is ignored) |
//!
//! When the embedded address falls in a special-purpose IPv4 range, `class`,
//! `range` and `source` are those of the IPv4 row (e.g. `::ffff:10.0.0.1` →
//! private, `10.0.0.0/8`, RFC 1918). When the embedded address is global,
//! `class` is [`AddrClass::Global`] and `range`/`source` name the embedding prefix
//! (e.g. `2002::/16`, RFC 3056), because the IPv6 address is then a leak of that
//! global IPv4 address exactly as a srflx candidate would be.
//!
//! The local-use NAT64 prefix `64:ff9b:1::/48` (RFC 8215) is not decoded (its
//! embedding position depends on the operator's prefix length); it is classified
//! as [`AddrClass::Private`] as a whole, since it is only meaningful inside one network.
//!
//! IPv6 space outside `2000::/3` that no other row covers is "Reserved by IETF" in
//! the IANA IPv6 Address Space registry and is classified [`AddrClass::Reserved`]:
//! nothing a browser should ever gather there, so it fails closed.

use ipnetwork::{Ipv4Network, Ipv6Network};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What kind of address this is, from the user's-privacy point of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AddrClass {
    Unspecified,
    ThisNetwork,
    Loopback,
    Private,
    SharedCgnat,
    LinkLocal,
    UniqueLocal,
    Documentation,
    Benchmarking,
    Multicast,
    Broadcast,
    Reserved,
    Global,
}

impl AddrClass {
    /// Every class, in declaration order.
    pub const ALL: [AddrClass; 13] = [
        AddrClass::Unspecified,
        AddrClass::ThisNetwork,
        AddrClass::Loopback,
        AddrClass::Private,
        AddrClass::SharedCgnat,
        AddrClass::LinkLocal,
        AddrClass::UniqueLocal,
        AddrClass::Documentation,
        AddrClass::Benchmarking,
        AddrClass::Multicast,
        AddrClass::Broadcast,
        AddrClass::Reserved,
        AddrClass::Global,
    ];

    /// The kebab-case id, identical to the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            AddrClass::Unspecified => "unspecified",
            AddrClass::ThisNetwork => "this-network",
            AddrClass::Loopback => "loopback",
            AddrClass::Private => "private",
            AddrClass::SharedCgnat => "shared-cgnat",
            AddrClass::LinkLocal => "link-local",
            AddrClass::UniqueLocal => "unique-local",
            AddrClass::Documentation => "documentation",
            AddrClass::Benchmarking => "benchmarking",
            AddrClass::Multicast => "multicast",
            AddrClass::Broadcast => "broadcast",
            AddrClass::Reserved => "reserved",
            AddrClass::Global => "global",
        }
    }

    /// True only for [`AddrClass::Global`]: reachable on the public Internet.
    pub fn is_global(self) -> bool {
        matches!(self, AddrClass::Global)
    }
}

impl fmt::Display for AddrClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of classifying one address.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Classification {
    pub class: AddrClass,
    /// The CIDR text of the matched row, or `""` when no special-purpose row matched (plain global).
    pub range: &'static str,
    /// Where the row comes from (RFC number or IANA registry), or `""` for plain global.
    pub source: &'static str,
    /// Set when the class was decided by an IPv4 address embedded in an IPv6 one.
    pub embedded_v4: Option<Ipv4Addr>,
}

/// How an IPv6 row embeds an IPv4 address (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Embedding {
    /// Last 32 bits (IPv4-mapped, IPv4-compatible, NAT64 well-known prefix).
    Last32,
    /// Bits 16..48 (6to4).
    SixToFour,
    /// Last 32 bits XOR 0xffffffff (Teredo client).
    Teredo,
}

/// What a table row decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    Class(AddrClass),
    Embeds(Embedding),
}

/// One IPv4 row of the special-purpose table.
#[derive(Clone, Copy, Debug)]
pub struct V4Row {
    pub net: Ipv4Network,
    pub class: AddrClass,
    pub range: &'static str,
    pub source: &'static str,
    base: u32,
    mask: u32,
}

/// One IPv6 row of the special-purpose table.
#[derive(Clone, Copy, Debug)]
pub struct V6Row {
    pub net: Ipv6Network,
    pub kind: RowKind,
    pub range: &'static str,
    pub source: &'static str,
    base: u128,
    mask: u128,
}

const fn mask32(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix as u32)
    }
}

const fn mask128(prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - prefix as u32)
    }
}

const fn v4(
    a: [u8; 4],
    prefix: u8,
    class: AddrClass,
    range: &'static str,
    source: &'static str,
) -> V4Row {
    let ip = Ipv4Addr::new(a[0], a[1], a[2], a[3]);
    let net = match Ipv4Network::new_checked(ip, prefix) {
        Some(n) => n,
        None => panic!("bad IPv4 table row"), // compile-time only
    };
    let mask = mask32(prefix);
    let base = u32::from_be_bytes(a);
    if base & !mask != 0 {
        panic!("IPv4 table row has host bits set"); // compile-time only
    }
    V4Row { net, class, range, source, base, mask }
}

const fn v6(
    s: [u16; 8],
    prefix: u8,
    kind: RowKind,
    range: &'static str,
    source: &'static str,
) -> V6Row {
    let ip = Ipv6Addr::new(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
    let net = match Ipv6Network::new_checked(ip, prefix) {
        Some(n) => n,
        None => panic!("bad IPv6 table row"), // compile-time only
    };
    let mask = mask128(prefix);
    let base = u128::from_be_bytes(ip.octets());
    if base & !mask != 0 {
        panic!("IPv6 table row has host bits set"); // compile-time only
    }
    V6Row { net, kind, range, source, base, mask }
}

const REG4: &str = "IANA IPv4 Special-Purpose Registry";
const REG6: &str = "IANA IPv6 Special-Purpose Registry";

use AddrClass as C;

/// The IPv4 special-purpose table. Longest prefix wins; rows marked Global are
/// the registry's "globally reachable" exceptions inside a non-global block.
pub static V4_TABLE: [V4Row; V4_ROWS] = V4_SRC;
const V4_ROWS: usize = 23;
const V4_SRC: [V4Row; V4_ROWS] = [
    v4([0, 0, 0, 0], 32, C::Unspecified, "0.0.0.0/32", "RFC 1122 §3.2.1.3 (this host on this network)"),
    v4([0, 0, 0, 0], 8, C::ThisNetwork, "0.0.0.0/8", "RFC 791 / RFC 1122 §3.2.1.3 (this network)"),
    v4([10, 0, 0, 0], 8, C::Private, "10.0.0.0/8", "RFC 1918"),
    v4([100, 64, 0, 0], 10, C::SharedCgnat, "100.64.0.0/10", "RFC 6598"),
    v4([127, 0, 0, 0], 8, C::Loopback, "127.0.0.0/8", "RFC 1122 §3.2.1.3"),
    v4([169, 254, 0, 0], 16, C::LinkLocal, "169.254.0.0/16", "RFC 3927"),
    v4([172, 16, 0, 0], 12, C::Private, "172.16.0.0/12", "RFC 1918"),
    v4([192, 0, 0, 0], 24, C::Reserved, "192.0.0.0/24", "RFC 6890 §2.1 (IETF Protocol Assignments)"),
    v4([192, 0, 0, 0], 29, C::Reserved, "192.0.0.0/29", "RFC 7335 (IPv4 Service Continuity Prefix)"),
    v4([192, 0, 0, 8], 32, C::Reserved, "192.0.0.8/32", "RFC 7600 (IPv4 dummy address)"),
    v4([192, 0, 0, 9], 32, C::Global, "192.0.0.9/32", "RFC 7723 (Port Control Protocol Anycast; globally reachable per IANA)"),
    v4([192, 0, 0, 10], 32, C::Global, "192.0.0.10/32", "RFC 8155 (Traversal Using Relays around NAT Anycast; globally reachable per IANA)"),
    v4([192, 0, 0, 170], 32, C::Reserved, "192.0.0.170/32", "RFC 8880 / RFC 7050 (NAT64/DNS64 Discovery)"),
    v4([192, 0, 0, 171], 32, C::Reserved, "192.0.0.171/32", "RFC 8880 / RFC 7050 (NAT64/DNS64 Discovery)"),
    v4([192, 0, 2, 0], 24, C::Documentation, "192.0.2.0/24", "RFC 5737 (TEST-NET-1)"),
    v4([192, 88, 99, 0], 24, C::Reserved, "192.88.99.0/24", "RFC 7526 (deprecated 6to4 Relay Anycast)"),
    v4([192, 168, 0, 0], 16, C::Private, "192.168.0.0/16", "RFC 1918"),
    v4([198, 18, 0, 0], 15, C::Benchmarking, "198.18.0.0/15", "RFC 2544"),
    v4([198, 51, 100, 0], 24, C::Documentation, "198.51.100.0/24", "RFC 5737 (TEST-NET-2)"),
    v4([203, 0, 113, 0], 24, C::Documentation, "203.0.113.0/24", "RFC 5737 (TEST-NET-3)"),
    v4([224, 0, 0, 0], 4, C::Multicast, "224.0.0.0/4", "RFC 5771"),
    v4([240, 0, 0, 0], 4, C::Reserved, "240.0.0.0/4", "RFC 1112 §4 (Reserved)"),
    v4([255, 255, 255, 255], 32, C::Broadcast, "255.255.255.255/32", "RFC 8190 / RFC 919 (Limited Broadcast)"),
];

use Embedding as E;
use RowKind::{Class as K, Embeds as X};

/// The IPv6 special-purpose table (plus the IETF-reserved blocks outside 2000::/3).
pub static V6_TABLE: [V6Row; V6_ROWS] = V6_SRC;
const V6_ROWS: usize = 29;
const V6_SRC: [V6Row; V6_ROWS] = [
    v6([0, 0, 0, 0, 0, 0, 0, 0], 128, K(C::Unspecified), "::/128", "RFC 4291 §2.5.2 (Unspecified Address)"),
    v6([0, 0, 0, 0, 0, 0, 0, 1], 128, K(C::Loopback), "::1/128", "RFC 4291 §2.5.3 (Loopback Address)"),
    v6([0, 0, 0, 0, 0, 0xffff, 0, 0], 96, X(E::Last32), "::ffff:0:0/96", "RFC 4291 §2.5.5.2 (IPv4-mapped Address)"),
    v6([0, 0, 0, 0, 0, 0, 0, 0], 96, X(E::Last32), "::/96", "RFC 4291 §2.5.5.1 (IPv4-compatible Address, deprecated)"),
    v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96, X(E::Last32), "64:ff9b::/96", "RFC 6052 (IPv4-IPv6 Translation well-known prefix)"),
    v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48, K(C::Private), "64:ff9b:1::/48", "RFC 8215 (Local-Use IPv4/IPv6 Translation)"),
    v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64, K(C::Reserved), "100::/64", "RFC 6666 (Discard-Only Address Block)"),
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 23, K(C::Reserved), "2001::/23", "RFC 2928 (IETF Protocol Assignments)"),
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 32, X(E::Teredo), "2001::/32", "RFC 4380 (Teredo)"),
    v6([0x2001, 1, 0, 0, 0, 0, 0, 1], 128, K(C::Global), "2001:1::1/128", "RFC 7723 (Port Control Protocol Anycast; globally reachable per IANA)"),
    v6([0x2001, 1, 0, 0, 0, 0, 0, 2], 128, K(C::Global), "2001:1::2/128", "RFC 8155 (TURN Anycast; globally reachable per IANA)"),
    v6([0x2001, 1, 0, 0, 0, 0, 0, 3], 128, K(C::Global), "2001:1::3/128", "RFC 9665 (DNS-SD Service Registration Protocol Anycast; globally reachable per IANA)"),
    v6([0x2001, 2, 0, 0, 0, 0, 0, 0], 48, K(C::Benchmarking), "2001:2::/48", "RFC 5180 (Benchmarking)"),
    v6([0x2001, 3, 0, 0, 0, 0, 0, 0], 32, K(C::Global), "2001:3::/32", "RFC 7450 (AMT; globally reachable per IANA)"),
    v6([0x2001, 4, 0x112, 0, 0, 0, 0, 0], 48, K(C::Global), "2001:4:112::/48", "RFC 7535 (AS112-v6; globally reachable per IANA)"),
    v6([0x2001, 0x10, 0, 0, 0, 0, 0, 0], 28, K(C::Reserved), "2001:10::/28", "RFC 4843 (deprecated ORCHID)"),
    v6([0x2001, 0x20, 0, 0, 0, 0, 0, 0], 28, K(C::Global), "2001:20::/28", "RFC 7343 (ORCHIDv2; globally reachable per IANA)"),
    v6([0x2001, 0x30, 0, 0, 0, 0, 0, 0], 28, K(C::Global), "2001:30::/28", "RFC 9374 (Drone Remote ID Protocol Entity Tags; globally reachable per IANA)"),
    v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32, K(C::Documentation), "2001:db8::/32", "RFC 3849 (Documentation)"),
    v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, X(E::SixToFour), "2002::/16", "RFC 3056 (6to4)"),
    v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, K(C::Documentation), "3fff::/20", "RFC 9637 (Documentation)"),
    v6([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16, K(C::Reserved), "5f00::/16", "RFC 9602 (Segment Routing (SRv6) SIDs)"),
    v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, K(C::UniqueLocal), "fc00::/7", "RFC 4193 (Unique-Local)"),
    v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, K(C::LinkLocal), "fe80::/10", "RFC 4291 §2.5.6 (Link-Local Unicast)"),
    v6([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10, K(C::Reserved), "fec0::/10", "RFC 3879 (deprecated Site-Local)"),
    v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, K(C::Multicast), "ff00::/8", "RFC 4291 §2.7 (Multicast)"),
    // IANA IPv6 Address Space registry: everything outside 2000::/3 not listed above is "Reserved by IETF".
    v6([0, 0, 0, 0, 0, 0, 0, 0], 3, K(C::Reserved), "::/3", "IANA IPv6 Address Space registry (Reserved by IETF, RFC 4291)"),
    v6([0x4000, 0, 0, 0, 0, 0, 0, 0], 2, K(C::Reserved), "4000::/2", "IANA IPv6 Address Space registry (Reserved by IETF, RFC 4291)"),
    v6([0x8000, 0, 0, 0, 0, 0, 0, 0], 1, K(C::Reserved), "8000::/1", "IANA IPv6 Address Space registry (Reserved by IETF, RFC 4291)"),
];

/// Registry names, exported for display.
pub const IPV4_REGISTRY: &str = REG4;
pub const IPV6_REGISTRY: &str = REG6;

const BUCKET: usize = 16;
const NONE: u8 = u8::MAX;

/// Per-first-octet buckets of row indices, most specific (longest prefix) first.
struct Dispatch {
    rows: [[u8; BUCKET]; 256],
}

const fn first_octet_span(prefix: u8, first: u8) -> (usize, usize) {
    if prefix >= 8 {
        (first as usize, first as usize)
    } else {
        let width = 1usize << (8 - prefix as u32);
        let lo = first as usize;
        (lo, lo + width - 1)
    }
}

const fn build_dispatch(n: usize, firsts: &[u8], prefixes: &[u8]) -> Dispatch {
    let mut rows = [[NONE; BUCKET]; 256];
    let mut lens = [0usize; 256];
    let mut i = 0;
    while i < n {
        let (lo, hi) = first_octet_span(prefixes[i], firsts[i]);
        let mut o = lo;
        while o <= hi {
            let len = lens[o];
            if len >= BUCKET {
                panic!("dispatch bucket overflow"); // compile-time only
            }
            // insertion sort by prefix length, longest first
            let mut j = len;
            while j > 0 && prefixes[rows[o][j - 1] as usize] < prefixes[i] {
                rows[o][j] = rows[o][j - 1];
                j -= 1;
            }
            rows[o][j] = i as u8;
            lens[o] = len + 1;
            o += 1;
        }
        i += 1;
    }
    Dispatch { rows }
}

static V4_DISPATCH: Dispatch = {
    let mut f = [0u8; V4_ROWS];
    let mut p = [0u8; V4_ROWS];
    let mut i = 0;
    while i < V4_ROWS {
        f[i] = (V4_SRC[i].base >> 24) as u8;
        p[i] = V4_SRC[i].mask.count_ones() as u8;
        i += 1;
    }
    build_dispatch(V4_ROWS, &f, &p)
};

static V6_DISPATCH: Dispatch = {
    let mut f = [0u8; V6_ROWS];
    let mut p = [0u8; V6_ROWS];
    let mut i = 0;
    while i < V6_ROWS {
        f[i] = (V6_SRC[i].base >> 120) as u8;
        p[i] = V6_SRC[i].mask.count_ones() as u8;
        i += 1;
    }
    build_dispatch(V6_ROWS, &f, &p)
};

#[inline]
fn lookup_v4(x: u32) -> Option<&'static V4Row> {
    let bucket = &V4_DISPATCH.rows[(x >> 24) as usize];
    for &i in bucket {
        let row = V4_TABLE.get(i as usize)?; // NONE (255) ends the bucket
        if x & row.mask == row.base {
            return Some(row);
        }
    }
    None
}

#[inline]
fn lookup_v6(x: u128) -> Option<&'static V6Row> {
    let bucket = &V6_DISPATCH.rows[(x >> 120) as usize];
    for &i in bucket {
        let row = V6_TABLE.get(i as usize)?;
        if x & row.mask == row.base {
            return Some(row);
        }
    }
    None
}

const GLOBAL: Classification = Classification {
    class: AddrClass::Global,
    range: "",
    source: "",
    embedded_v4: None,
};

/// Classifies an IPv4 address against [`V4_TABLE`].
#[inline]
pub fn classify_v4(ip: Ipv4Addr) -> Classification {
    match lookup_v4(u32::from(ip)) {
        Some(row) => Classification { class: row.class, range: row.range, source: row.source, embedded_v4: None },
        None => GLOBAL,
    }
}

/// Classifies an IPv6 address against [`V6_TABLE`], decoding embedded IPv4 (see module docs).
#[inline]
pub fn classify_v6(ip: Ipv6Addr) -> Classification {
    let x = u128::from(ip);
    let Some(row) = lookup_v6(x) else { return GLOBAL };
    let emb = match row.kind {
        RowKind::Class(class) => {
            return Classification { class, range: row.range, source: row.source, embedded_v4: None }
        }
        RowKind::Embeds(E::Last32) => x as u32,
        RowKind::Embeds(E::SixToFour) => (x >> 80) as u32,
        RowKind::Embeds(E::Teredo) => !(x as u32),
    };
    let v4 = Ipv4Addr::from(emb);
    let inner = classify_v4(v4);
    if inner.class.is_global() {
        Classification { class: AddrClass::Global, range: row.range, source: row.source, embedded_v4: Some(v4) }
    } else {
        Classification { embedded_v4: Some(v4), ..inner }
    }
}

/// Classifies any IP address. Never panics.
#[inline]
pub fn classify(ip: IpAddr) -> Classification {
    match ip {
        IpAddr::V4(v) => classify_v4(v),
        IpAddr::V6(v) => classify_v6(v),
    }
}

/// The class only (no allocation, same lookup as [`classify`]).
#[inline]
pub fn class_of(ip: IpAddr) -> AddrClass {
    classify(ip).class
}

/// True when the address is reachable on the public Internet (class [`AddrClass::Global`]).
#[inline]
pub fn is_global(ip: IpAddr) -> bool {
    classify(ip).class.is_global()
}

/// Why an address string could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddrError {
    /// The text that was given.
    pub input: String,
    pub kind: AddrErrorKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrErrorKind {
    /// Nothing (or only whitespace) was given.
    Empty,
    /// `[` without a matching `]` at the end, or the reverse.
    UnbalancedBrackets,
    /// A `%zone` suffix that is empty or contains characters no interface name has.
    BadZone,
    /// A zone id on an IPv4 address (only IPv6 has zones).
    ZoneOnIpv4,
    /// Not an IPv4 or IPv6 address.
    NotAnAddress,
}

impl fmt::Display for AddrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            AddrErrorKind::Empty => "empty address",
            AddrErrorKind::UnbalancedBrackets => "unbalanced brackets around address",
            AddrErrorKind::BadZone => "bad zone id",
            AddrErrorKind::ZoneOnIpv4 => "zone id on an IPv4 address",
            AddrErrorKind::NotAnAddress => "not an IPv4 or IPv6 address",
        };
        write!(f, "{what}: {:?}", self.input)
    }
}

impl std::error::Error for AddrError {}

/// A zone id as it may follow `%`: non-empty, printable ASCII without space, `%`, `[` or `]`.
pub fn is_valid_zone(z: &str) -> bool {
    !z.is_empty()
        && z.len() <= 64
        && z.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'%' | b'[' | b']' | b'/'))
}

/// Dotted-quad IPv4 exactly as `std` reads it (four decimal octets, no leading zeros, nothing else), without its generic parser.
pub fn parse_ipv4(s: &[u8]) -> Option<Ipv4Addr> {
    match read_ipv4(s, 0)? {
        (octets, end) if end == s.len() => Some(Ipv4Addr::from(octets)),
        _ => None,
    }
}

/// One IPv6 group from `pos` as `std` reads it (1 to 4 hex digits, leading zeros allowed; a fifth
/// digit is an error, not the end), and where it ends.
#[inline]
fn read_group(b: &[u8], pos: usize) -> Option<(u16, usize)> {
    let (mut value, mut n) = (0u16, 0usize);
    while let Some(d) = b.get(pos + n).and_then(|&c| hex_digit(c)) {
        if n == 4 {
            return None;
        }
        value = value << 4 | d;
        n += 1;
    }
    (n > 0).then_some((value, pos + n))
}

/// The value of one hex digit, either case.
#[inline(always)]
fn hex_digit(c: u8) -> Option<u16> {
    let d = c.wrapping_sub(b'0');
    if d < 10 {
        return Some(d.into());
    }
    // `| 0x20` lowercases `A`-`F` (and sends no other byte into `a`-`f`).
    let l = (c | 0x20).wrapping_sub(b'a');
    (l < 6).then(|| u16::from(l) + 10)
}

/// A dotted-quad IPv4 address starting at `pos` (alone, or inside an IPv6 address), and where it ends.
#[inline(always)]
fn read_ipv4(b: &[u8], mut pos: usize) -> Option<([u8; 4], usize)> {
    let mut octets = [0u8; 4];
    for (i, slot) in octets.iter_mut().enumerate() {
        if i > 0 {
            pos = expect(b, pos, b'.')?;
        }
        (*slot, pos) = read_octet(b, pos)?;
    }
    Some((octets, pos))
}

/// One IPv4 octet from `pos` as `std` reads it (1 to 3 decimal digits, no leading zero, at most
/// 255; a fourth digit is an error, not the end), and where it ends. Unrolled: it is on every address.
#[inline(always)]
fn read_octet(b: &[u8], pos: usize) -> Option<(u8, usize)> {
    let digit_at = |i: usize| b.get(i).and_then(|&c| c.is_ascii_digit().then(|| c - b'0'));
    let d0 = digit_at(pos)?;
    let Some(d1) = digit_at(pos + 1) else { return Some((d0, pos + 1)) };
    if d0 == 0 {
        return None; // leading zero
    }
    let Some(d2) = digit_at(pos + 2) else { return Some((d0 * 10 + d1, pos + 2)) };
    if digit_at(pos + 3).is_some() {
        return None;
    }
    let v = u32::from(d0) * 100 + u32::from(d1) * 10 + u32::from(d2);
    Some((u8::try_from(v).ok()?, pos + 3))
}

fn expect(b: &[u8], pos: usize, c: u8) -> Option<usize> {
    (b.get(pos) == Some(&c)).then_some(pos + 1)
}

/// Colon-separated groups from `pos` into `groups`, the last two of which may be an embedded IPv4
/// address: (groups read, whether they ended in IPv4, where reading stopped).
fn read_groups(b: &[u8], mut pos: usize, groups: &mut [u16]) -> (usize, bool, usize) {
    let limit = groups.len();
    for i in 0..limit {
        let Some(at) = (if i > 0 { expect(b, pos, b':') } else { Some(pos) }) else { return (i, false, pos) };
        let group = read_group(b, at);
        // `std` tries an IPv4 address first. One can only start here if its first octet, read as
        // a hex group, stops at a `.`: elsewhere the attempt would fail, so it is skipped.
        if i + 1 < limit && group.is_some_and(|(_, end)| b.get(end) == Some(&b'.')) {
            if let Some(([o1, o2, o3, o4], next)) = read_ipv4(b, at) {
                if let Some([g1, g2]) = groups.get_mut(i..i + 2) {
                    (*g1, *g2) = (u16::from_be_bytes([o1, o2]), u16::from_be_bytes([o3, o4]));
                }
                return (i + 2, true, next);
            }
        }
        match group {
            Some((g, next)) => {
                if let Some(slot) = groups.get_mut(i) {
                    *slot = g;
                }
                pos = next;
            }
            None => return (i, false, pos),
        }
    }
    (limit, false, pos)
}

/// IPv6 exactly as `std` reads it (the same grammar, step for step), without its generic parser.
pub fn parse_ipv6(b: &[u8]) -> Option<Ipv6Addr> {
    let mut head = [0u16; 8];
    let (head_size, head_v4, pos) = read_groups(b, 0, &mut head);
    if head_size == 8 {
        return (pos == b.len()).then(|| Ipv6Addr::from(head));
    }
    if head_v4 {
        return None; // IPv4 only at the very end
    }
    let pos = expect(b, expect(b, pos, b':')?, b':')?;
    // `::` stands for at least one group of zeros.
    let mut tail = [0u16; 7];
    let (tail_size, _, pos) = read_groups(b, pos, tail.get_mut(..7 - head_size).unwrap_or_default());
    if pos != b.len() {
        return None;
    }
    let (dst, src) = (head.get_mut(8 - tail_size..).unwrap_or_default(), tail.get(..tail_size).unwrap_or_default());
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
    Some(Ipv6Addr::from(head))
}

/// Parses an address with optional `[...]` brackets and `%zone` (IPv6 only).
/// Returns the address and the zone text (without `%`).
pub fn parse_ip_with_zone(s: &str) -> Result<(IpAddr, Option<&str>), AddrErrorKind> {
    let t = s.trim();
    if t.is_empty() {
        return Err(AddrErrorKind::Empty);
    }
    let inner = match (t.strip_prefix('['), t.ends_with(']')) {
        (Some(rest), true) => rest.strip_suffix(']').unwrap_or(rest),
        (None, false) => t,
        _ => return Err(AddrErrorKind::UnbalancedBrackets),
    };
    let (ip_text, zone) = match inner.split_once('%') {
        Some((ip, zone)) => (ip, Some(zone)),
        None => (inner, None),
    };
    // `std`'s `IpAddr` reading: IPv4 first, then IPv6.
    let ip = match parse_ipv4(ip_text.as_bytes()) {
        Some(v4) => IpAddr::V4(v4),
        None => IpAddr::V6(parse_ipv6(ip_text.as_bytes()).ok_or(AddrErrorKind::NotAnAddress)?),
    };
    if let Some(z) = zone {
        if ip.is_ipv4() {
            return Err(AddrErrorKind::ZoneOnIpv4);
        }
        // RFC 6874 URL form "%25eth0" is accepted as zone "25eth0"; the zone never affects the class.
        if !is_valid_zone(z) {
            return Err(AddrErrorKind::BadZone);
        }
    }
    Ok((ip, zone))
}

/// Classifies a textual address: IPv4, every IPv6 form (incl. embedded dotted IPv4),
/// optionally in `[brackets]` and with a `%zone` (ignored for the class).
pub fn classify_str(s: &str) -> Result<Classification, AddrError> {
    match parse_ip_with_zone(s) {
        Ok((ip, _)) => Ok(classify(ip)),
        Err(kind) => Err(AddrError { input: s.to_string(), kind }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> AddrClass {
        classify_str(s).unwrap_or_else(|e| panic!("{e}")).class
    }

    /// Reference implementation: longest-prefix linear scan over the ipnetwork values.
    fn reference(ip: IpAddr) -> Option<(&'static str, u8)> {
        match ip {
            IpAddr::V4(v) => V4_TABLE
                .iter()
                .filter(|r| r.net.contains(v))
                .max_by_key(|r| r.net.prefix())
                .map(|r| (r.range, r.net.prefix())),
            IpAddr::V6(v) => V6_TABLE
                .iter()
                .filter(|r| r.net.contains(v))
                .max_by_key(|r| r.net.prefix())
                .map(|r| (r.range, r.net.prefix())),
        }
    }

    #[test]
    fn ipv4_table() {
        use AddrClass::*;
        for (s, want) in [
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", ThisNetwork),
            ("10.0.0.5", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("172.32.0.1", Global),
            ("192.168.1.1", Private),
            ("100.64.0.1", SharedCgnat),
            ("100.127.255.255", SharedCgnat),
            ("100.128.0.0", Global),
            ("127.0.0.1", Loopback),
            ("169.254.10.10", LinkLocal),
            ("192.0.2.1", Documentation),
            ("198.51.100.7", Documentation),
            ("203.0.113.7", Documentation),
            ("198.18.0.1", Benchmarking),
            ("198.19.255.255", Benchmarking),
            ("224.0.0.251", Multicast),
            ("239.255.255.250", Multicast),
            ("240.0.0.1", Reserved),
            ("255.255.255.254", Reserved),
            ("255.255.255.255", Broadcast),
            ("192.0.0.1", Reserved),
            ("192.0.0.9", Global),
            ("192.0.0.10", Global),
            ("192.0.0.11", Reserved),
            ("192.0.0.170", Reserved),
            ("192.88.99.1", Reserved),
            ("8.8.8.8", Global),
            ("1.1.1.1", Global),
        ] {
            assert_eq!(c(s), want, "{s}");
        }
        let r = classify_str("10.1.2.3").unwrap();
        assert_eq!((r.range, r.source), ("10.0.0.0/8", "RFC 1918"));
        assert_eq!(classify_str("100.64.1.1").unwrap().source, "RFC 6598");
        assert_eq!(classify_str("8.8.8.8").unwrap().range, "");
    }

    #[test]
    fn ipv6_table() {
        use AddrClass::*;
        for (s, want) in [
            ("::", Unspecified),
            ("::1", Loopback),
            ("fe80::1", LinkLocal),
            ("fe80::1%eth0", LinkLocal),
            ("[fe80::1%en0]", LinkLocal),
            ("[::1]", Loopback),
            ("febf::1", LinkLocal),
            ("fec0::1", Reserved),
            ("fc00::1", UniqueLocal),
            ("fd12:3456::1", UniqueLocal),
            ("2001:db8::1", Documentation),
            ("3fff::1", Documentation),
            ("3fff:fff::1", Documentation),
            ("3fff:1000::1", Global),
            ("2001:2::1", Benchmarking),
            ("2001:2:1::1", Reserved), // inside 2001::/23, outside 2001:2::/48
            ("ff02::1", Multicast),
            ("100::1", Reserved),
            ("100:0:0:1::1", Reserved), // outside 100::/64 but in ::/3 reserved space
            ("5f00::1", Reserved),
            ("2001:1::1", Global),
            ("2001:1::2", Global),
            ("2001:1::4", Reserved),
            ("2001:3::1", Global),
            ("2001:10::1", Reserved),
            ("2001:20::1", Global),
            ("2001:200::1", Global),
            ("2606:4700:4700::1111", Global),
            ("2a00:1450::1", Global),
            ("64:ff9b:1::1", Private),
            ("4000::1", Reserved),
            ("e000::1", Reserved),
        ] {
            assert_eq!(c(s), want, "{s}");
        }
    }

    #[test]
    fn embedded_ipv4() {
        use AddrClass::*;
        let check = |s: &str, class: AddrClass, emb: &str| {
            let r = classify_str(s).unwrap();
            assert_eq!(r.class, class, "{s}");
            assert_eq!(r.embedded_v4, Some(emb.parse().unwrap()), "{s}");
        };
        check("::ffff:10.0.0.1", Private, "10.0.0.1");
        check("::ffff:a00:1", Private, "10.0.0.1");
        check("::ffff:8.8.8.8", Global, "8.8.8.8");
        check("::ffff:127.0.0.1", Loopback, "127.0.0.1");
        check("::192.168.0.1", Private, "192.168.0.1");
        check("::0.0.0.2", ThisNetwork, "0.0.0.2");
        check("64:ff9b::10.0.0.1", Private, "10.0.0.1");
        check("64:ff9b::8.8.4.4", Global, "8.8.4.4");
        check("2002:c0a8:101::1", Private, "192.168.1.1");
        check("2002:0808:0808::1", Global, "8.8.8.8");
        // Teredo: server 65.54.227.120, client 10.0.0.1 obfuscated as !0x0a000001 = f5ff:fffe
        check("2001:0:4136:e378:8000:63bf:f5ff:fffe", Private, "10.0.0.1");
        // Teredo client 192.0.2.45 (RFC 4380 example) -> !c000022d = 3fff:fdd2
        check("2001:0:4136:e378:8000:63bf:3fff:fdd2", Documentation, "192.0.2.45");
        // Teredo with a global client
        check("2001:0:4136:e378:8000:63bf:f7f7:f7f7", Global, "8.8.8.8");
        let g = classify_str("2002:0808:0808::1").unwrap();
        assert_eq!((g.range, g.source), ("2002::/16", "RFC 3056 (6to4)"));
        let m = classify_str("::ffff:192.168.1.1").unwrap();
        assert_eq!(m.range, "192.168.0.0/16");
        // :: and ::1 are not IPv4-compatible
        assert_eq!(classify_str("::").unwrap().embedded_v4, None);
        assert_eq!(classify_str("::1").unwrap().embedded_v4, None);
    }

    #[test]
    fn bad_strings() {
        for (s, k) in [
            ("", AddrErrorKind::Empty),
            ("  ", AddrErrorKind::Empty),
            ("[::1", AddrErrorKind::UnbalancedBrackets),
            ("::1]", AddrErrorKind::UnbalancedBrackets),
            ("fe80::1%", AddrErrorKind::BadZone),
            ("10.0.0.1%eth0", AddrErrorKind::ZoneOnIpv4),
            ("host.local", AddrErrorKind::NotAnAddress),
            ("010.0.0.1", AddrErrorKind::NotAnAddress),
            ("1.2.3", AddrErrorKind::NotAnAddress),
            ("1.2.3.4.5", AddrErrorKind::NotAnAddress),
            ("fe80::1%e0%1", AddrErrorKind::BadZone),
            ("é", AddrErrorKind::NotAnAddress),
        ] {
            let e = classify_str(s).unwrap_err();
            assert_eq!(e.kind, k, "{s:?}");
            assert_eq!(e.input, s);
            assert!(e.to_string().contains(&format!("{s:?}")));
        }
    }

    #[test]
    fn dispatch_matches_reference_scan() {
        // Every row boundary, plus a deterministic pseudo-random sweep.
        let mut samples: Vec<IpAddr> = Vec::new();
        for r in V4_TABLE.iter() {
            let b = u32::from(r.net.network());
            for x in [b, b.wrapping_sub(1), r.net.broadcast().into(), u32::from(r.net.broadcast()).wrapping_add(1)] {
                samples.push(IpAddr::V4(Ipv4Addr::from(x)));
            }
        }
        for r in V6_TABLE.iter() {
            let b = u128::from(r.net.network());
            let e = u128::from(r.net.broadcast());
            for x in [b, b.wrapping_sub(1), e, e.wrapping_add(1), b | 1] {
                samples.push(IpAddr::V6(Ipv6Addr::from(x)));
            }
        }
        let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            samples.push(IpAddr::V4(Ipv4Addr::from(s as u32)));
            let hi = (s as u128) << 64 | (s.rotate_left(17) as u128);
            samples.push(IpAddr::V6(Ipv6Addr::from(hi)));
        }
        for ip in samples {
            let got = match ip {
                IpAddr::V4(v) => lookup_v4(v.into()).map(|r| (r.range, r.net.prefix())),
                IpAddr::V6(v) => lookup_v6(v.into()).map(|r| (r.range, r.net.prefix())),
            };
            assert_eq!(got, reference(ip), "{ip}");
        }
    }

    /// Calls `f` with every string of up to `max_len` bytes over `alphabet`.
    fn every_string(alphabet: &[u8], max_len: u32, mut f: impl FnMut(&[u8])) {
        let mut s = Vec::new();
        for len in 0..=max_len {
            for mut n in 0..alphabet.len().pow(len) {
                s.clear();
                for _ in 0..len {
                    s.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                f(&s);
            }
        }
    }

    #[test]
    fn ipv4_matches_std() {
        // Every string of up to 7 bytes over digits that matter and dots, then every octet spelling.
        every_string(b"01259.", 7, |s| {
            let text = std::str::from_utf8(s).unwrap();
            assert_eq!(parse_ipv4(s), text.parse::<Ipv4Addr>().ok(), "{text:?}");
        });
        for octet in (0..=999).map(|n| n.to_string()).chain(["00", "01", "000", "007", "0255", "1000", ""].map(String::from)) {
            for text in [format!("{octet}.1.2.3"), format!("1.2.3.{octet}"), format!("1.{octet}.3.4"), format!("{octet}.{octet}.{octet}.{octet}")] {
                assert_eq!(parse_ipv4(text.as_bytes()), text.parse::<Ipv4Addr>().ok(), "{text:?}");
            }
        }
    }

    #[test]
    fn hex_digit_matches_char() {
        for c in 0..=255u8 {
            assert_eq!(hex_digit(c), char::from(c).to_digit(16).map(|d| d as u16), "{c:#x}");
        }
    }

    #[test]
    fn ipv6_matches_std() {
        let check = |s: &[u8]| {
            let text = std::str::from_utf8(s).unwrap();
            assert_eq!(parse_ipv6(s), text.parse::<Ipv6Addr>().ok(), "{text:?}");
        };
        // Every string of up to 7 bytes over hex digits, decimal-only digits and both separators.
        every_string(b"0f:.9A", 7, check);
        // Longer ones built from pieces that sit on the grammar's edges.
        let pieces: [&str; 16] = ["0", "1", "ffff", "FfF", "12345", "00000", "1.2.3.4", "255.255.255.255", "256.1.1.1", "01.2.3.4", "::", ":", ":", ".", "0.0.0", "g"];
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..300_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut text = String::new();
            let mut r = x;
            for _ in 0..(r % 12) + 1 {
                r /= 12;
                text += pieces[(r % 16) as usize];
                text += if r & 16 == 0 { ":" } else { "" };
                r >>= 5;
            }
            check(text.as_bytes());
        }
        for a in ["::", "::1", "1::", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", "::ffff:10.0.0.1", "64:ff9b::8.8.8.8", "1:2:3:4:5:6:1.2.3.4", "fe80::1"] {
            assert!(parse_ipv6(a.as_bytes()).is_some(), "{a}");
            check(a.as_bytes());
        }
    }

    #[test]
    fn as_str_matches_serde() {
        for class in AddrClass::ALL {
            let j = serde_json::to_string(&class).unwrap();
            assert_eq!(j, format!("\"{}\"", class.as_str()));
            assert_eq!(class.is_global(), class == AddrClass::Global);
        }
    }

    #[test]
    fn rows_have_unique_ranges_and_sources() {
        let mut seen = std::collections::HashSet::new();
        for r in V4_TABLE.iter() {
            assert!(seen.insert(r.range), "{}", r.range);
            assert!(!r.source.is_empty());
            assert_eq!(r.range, r.net.to_string());
        }
        for r in V6_TABLE.iter() {
            assert!(seen.insert(r.range), "{}", r.range);
            assert!(!r.source.is_empty());
            assert_eq!(r.range.parse::<Ipv6Network>().unwrap(), r.net);
        }
    }
}
