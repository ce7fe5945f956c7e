//! IP addresses (IPv4 and IPv6), the rules of `piiscan/validators/ip.py`.
//!
//! Forms: dotted-quad IPv4 (each octet 0-255 in decimal, no leading zeros: `010.1.1.1` is
//! octal to some parsers and decimal to others, so it is refused, as Python's `ipaddress`
//! refuses it); IPv6 full, compressed (`::`), with an embedded IPv4 tail (`::ffff:192.0.2.1`)
//! and an optional zone (`fe80::1%eth0`). A port or brackets stand outside the matched value.
//!
//! Strength: an address of the global unicast space is left at the pattern's strength; one
//! that cannot be a person's address on the internet (private, loopback, link-local,
//! documentation, shared, benchmarking, multicast, reserved, unspecified, outside IPv6's
//! `2000::/3`) is low, so it needs
//! a context word (`ip`, `klient`, `remote_addr`) to be reported. The special ranges are those
//! Python 3.11's `ipaddress` counts as not global (IANA's special-purpose registries), plus
//! multicast.
//!
//! An IPv4 address written with four single digits (`3.2.1.4`) is low as well, whatever its
//! range: that shape is far more often a section or version number than a client's address
//! (and the few such global addresses are public resolvers such as `8.8.8.8`, not people's).
//!
//! The normalised value is the address in canonical text form (RFC 5952 for IPv6) without its
//! zone; an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is the IPv4 address it maps, the same
//! host written the other way.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::verdict::{Strength, Verdict};

/// `(network, prefix length)` of the IPv4 ranges that are not global unicast.
const SPECIAL_V4: &[([u8; 4], u8)] = &[
    ([0, 0, 0, 0], 8),          // "this network"
    ([10, 0, 0, 0], 8),         // private
    ([100, 64, 0, 0], 10),      // shared address space (carrier-grade NAT)
    ([127, 0, 0, 0], 8),        // loopback
    ([169, 254, 0, 0], 16),     // link-local
    ([172, 16, 0, 0], 12),      // private
    ([192, 0, 0, 0], 29),       // IETF protocol assignments
    ([192, 0, 0, 170], 31),     // NAT64/DNS64 discovery
    ([192, 0, 2, 0], 24),       // documentation (TEST-NET-1)
    ([192, 168, 0, 0], 16),     // private
    ([198, 18, 0, 0], 15),      // benchmarking
    ([198, 51, 100, 0], 24),    // documentation (TEST-NET-2)
    ([203, 0, 113, 0], 24),     // documentation (TEST-NET-3)
    ([224, 0, 0, 0], 4),        // multicast
    ([240, 0, 0, 0], 4),        // reserved
    ([255, 255, 255, 255], 32), // limited broadcast
];

/// `(network, prefix length)` of the ranges inside `2000::/3` that are not global unicast, and
/// those outside it that Python's `ipaddress` names (kept for the record).
const SPECIAL_V6: &[(u128, u8)] = &[
    (0, 128),                                        // unspecified
    (1, 128),                                        // loopback
    (0x0000_0000_0000_0000_0000_ffff_0000_0000, 96), // IPv4-mapped (classified as IPv4 instead)
    (0x0100_0000_0000_0000_0000_0000_0000_0000, 64), // discard-only
    (0x2001_0000_0000_0000_0000_0000_0000_0000, 23), // IETF protocol assignments
    (0x2001_0002_0000_0000_0000_0000_0000_0000, 48), // benchmarking
    (0x2001_0db8_0000_0000_0000_0000_0000_0000, 32), // documentation
    (0x2001_0010_0000_0000_0000_0000_0000_0000, 28), // ORCHID
    (0xfc00_0000_0000_0000_0000_0000_0000_0000, 7),  // unique local
    (0xfe80_0000_0000_0000_0000_0000_0000_0000, 10), // link-local
    (0xff00_0000_0000_0000_0000_0000_0000_0000, 8),  // multicast
];

fn in_v4(address: u32, network: [u8; 4], prefix: u8) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix))
    };
    address & mask == u32::from_be_bytes(network) & mask
}

fn in_v6(address: u128, network: u128, prefix: u8) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(prefix))
    };
    address & mask == network & mask
}

/// True when an IPv4 address is outside the global unicast space.
pub fn is_special_v4(address: Ipv4Addr) -> bool {
    let bits = u32::from(address);
    SPECIAL_V4
        .iter()
        .any(|&(network, prefix)| in_v4(bits, network, prefix))
}

/// True when an IPv6 address is outside the global unicast space.
///
/// Global unicast is `2000::/3`; everything outside it is special-purpose or reserved by
/// the IETF (what Python's `ipaddress` calls `is_reserved`), which also keeps short
/// hex-word forms in prose (`a::b`, `dead::beef`) low.
pub fn is_special_v6(address: Ipv6Addr) -> bool {
    let bits = u128::from(address);
    bits >> 125 != 0b001
        || SPECIAL_V6
            .iter()
            .any(|&(network, prefix)| in_v6(bits, network, prefix))
}

/// A parsed address: canonical text (no zone) and whether it is in a special range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedAddress {
    pub canonical: String,
    pub special: bool,
    pub version: u8,
}

/// Parse an IPv4 or IPv6 address as written, the zone (`%eth0`) allowed on IPv6.
///
/// The standard library's parsers apply the same rules as Python's `ipaddress`: four
/// decimal octets without leading zeros, IPv6 groups of at most four hex digits, one `::`.
pub fn parse_address(candidate: &str) -> Option<ParsedAddress> {
    if !candidate.contains(':') {
        let address: Ipv4Addr = candidate.parse().ok()?;
        return Some(ParsedAddress {
            canonical: address.to_string(),
            special: is_special_v4(address),
            version: 4,
        });
    }
    let address_part = match candidate.split_once('%') {
        // A zone is any non-empty text without another '%', as Python reads a scope id.
        Some((address, zone)) if !zone.is_empty() && !zone.contains('%') => address,
        Some(_) => return None,
        None => candidate,
    };
    let address: Ipv6Addr = address_part.parse().ok()?;
    let bits = u128::from(address);
    if bits >> 32 == 0xffff {
        let mapped = Ipv4Addr::from((bits & 0xffff_ffff) as u32);
        return Some(ParsedAddress {
            canonical: mapped.to_string(),
            special: is_special_v4(mapped),
            version: 4,
        });
    }
    Some(ParsedAddress {
        canonical: address.to_string(),
        special: is_special_v6(address),
        version: 6,
    })
}

/// Validate an IP address; `normalized` is its canonical form.
///
/// A global address keeps the pattern's strength; a special-range one is low.
pub fn validate_ip_address(candidate: &str) -> Option<Verdict> {
    let parsed = parse_address(candidate)?;
    let weak = parsed.special || looks_like_a_section_number(candidate);
    Some(Verdict {
        normalized: parsed.canonical,
        strength: weak.then_some(Strength::Low),
        flags: Vec::new(),
    })
}

/// Four single digits between dots (`3.2.1.4`): a section, step or version number's shape.
pub fn looks_like_a_section_number(candidate: &str) -> bool {
    let bytes = candidate.as_bytes();
    bytes.len() == 7
        && bytes.iter().enumerate().all(|(at, &byte)| {
            if at % 2 == 0 {
                byte.is_ascii_digit()
            } else {
                byte == b'.'
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(candidate: &str) -> Option<(String, Option<Strength>)> {
        validate_ip_address(candidate).map(|verdict| (verdict.normalized, verdict.strength))
    }

    #[test]
    fn global_addresses_keep_the_pattern_strength() {
        for (written, canonical) in [
            ("81.2.69.160", "81.2.69.160"),
            ("8.8.4.40", "8.8.4.40"),
            ("223.255.255.254", "223.255.255.254"),
            (
                "2a00:1450:4001:0814:0000:0000:0000:200e",
                "2a00:1450:4001:814::200e",
            ),
            ("2A00:1450:4001:814::200E", "2a00:1450:4001:814::200e"),
            ("::ffff:81.2.69.160", "81.2.69.160"),
            ("2606:4700:4700::1111", "2606:4700:4700::1111"),
        ] {
            assert_eq!(read(written), Some((canonical.into(), None)), "{written}");
        }
    }

    #[test]
    fn special_ranges_are_low() {
        for (written, canonical) in [
            ("10.0.0.1", "10.0.0.1"),
            ("192.168.1.20", "192.168.1.20"),
            ("172.31.255.255", "172.31.255.255"),
            ("127.0.0.1", "127.0.0.1"),
            ("169.254.10.1", "169.254.10.1"),
            ("192.0.2.44", "192.0.2.44"),
            ("198.51.100.7", "198.51.100.7"),
            ("203.0.113.9", "203.0.113.9"),
            ("100.64.0.1", "100.64.0.1"),
            ("0.0.0.0", "0.0.0.0"),
            ("224.0.0.251", "224.0.0.251"),
            ("255.255.255.255", "255.255.255.255"),
            ("::1", "::1"),
            ("::", "::"),
            ("2001:db8::1", "2001:db8::1"),
            ("fe80::1%eth0", "fe80::1"),
            ("fd12:3456:789a::1", "fd12:3456:789a::1"),
            ("ff02::fb", "ff02::fb"),
            ("a::b", "a::b"),
            ("dead::beef", "dead::beef"),
            ("::ffff:192.168.0.1", "192.168.0.1"),
            ("3.2.1.4", "3.2.1.4"),
            ("8.8.8.8", "8.8.8.8"),
        ] {
            assert_eq!(
                read(written),
                Some((canonical.into(), Some(Strength::Low))),
                "{written}"
            );
        }
    }

    #[test]
    fn malformed_addresses_are_rejected() {
        for rejected in [
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "1.2.3.04",
            "10.2.0.1a",
            "1.3.6.1.4.1.311",
            "10:30:00",
            "00:1A:2B:3C:4D:5E",
            "1:2:3:4:5:6:7:8:9",
            "2001:db8:::1",
            "1::2::3",
            "12345::1",
            "fe80::1%",
            "fe80::1%a%b",
            "::ffff:1.2.3.04",
            "",
            "١.٢.٣.٤",
        ] {
            assert_eq!(read(rejected), None, "{rejected:?}");
        }
    }
}
