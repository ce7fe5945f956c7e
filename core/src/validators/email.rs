//! E-mail addresses: the rules of `piiscan/validators/email.py`.
//!
//! `local@domain`: the local part an RFC 5322 dot-atom (non-ASCII letters and digits too, as
//! RFC 6531 allows) of at most 64 characters; the domain at most 253 characters of at least two
//! dot-separated labels (letters, digits, inner hyphens, 1-63 characters each) ending in a
//! delegated top-level domain or an RFC 2606 reserved name. Lengths count characters (code
//! points), as Python's `len` does.
//!
//! The top-level domains are `src/piiscan/data/top_level_domains.txt` (from the Public Suffix
//! List snapshot bundled with `tldextract` 5.4.0; see that directory's SOURCES.md), compiled
//! into the core from the file the Python package ships.

use std::collections::HashSet;
use std::sync::OnceLock;

use regex::Regex;

use crate::text::casefold;
use crate::verdict::{Flag, Strength, Verdict};

const TOP_LEVEL_DOMAINS: &str = include_str!("../../../src/piiscan/data/top_level_domains.txt");

/// The delegated top-level domains, case-folded U-labels and their `xn--` A-labels.
fn top_level_domains() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        TOP_LEVEL_DOMAINS
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect()
    })
}

/// Every top-level domain the list holds, in its order.
pub fn top_level_domain_list() -> Vec<&'static str> {
    TOP_LEVEL_DOMAINS
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
}

/// True when `label` is a delegated top-level domain (U-label or `xn--` A-label), any case.
pub fn is_top_level_domain(label: &str) -> bool {
    top_level_domains().contains(casefold(label).as_str())
}

const RESERVED_TLDS: [&str; 4] = ["test", "example", "invalid", "localhost"];
const RESERVED_DOMAINS: [&str; 3] = ["example.com", "example.net", "example.org"];

/// Python's `str.isalnum` for one character: a letter (L*) or a number (N*).
fn is_alnum(character: char) -> bool {
    if character.is_ascii() {
        return character.is_ascii_alphanumeric();
    }
    // `char::is_alphanumeric` also admits combining marks (Other_Alphabetic); Python's
    // `isalnum` goes by general category, which the regex crate's classes give.
    static CLASS: OnceLock<Regex> = OnceLock::new();
    let class = CLASS.get_or_init(|| Regex::new(r"^[\p{L}\p{N}]$").expect("a valid class"));
    let mut buffer = [0; 4];
    class.is_match(character.encode_utf8(&mut buffer))
}

fn is_atext(character: char) -> bool {
    character.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(character)
}

fn is_local_part(local: &str) -> bool {
    let length = local.chars().count();
    (1..=64).contains(&length)
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|character| {
            is_atext(character)
                || character == '.'
                || (!character.is_ascii() && is_alnum(character))
        })
}

fn is_label(label: &str) -> bool {
    let length = label.chars().count();
    (1..=63).contains(&length)
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .chars()
            .all(|character| character == '-' || is_alnum(character))
}

/// Validate an e-mail address syntactically, with the offline top-level-domain check.
///
/// Strength medium; flag `reserved_domain` for RFC 2606 names. `normalized` is the address
/// in lower case.
pub fn validate_email(candidate: &str) -> Option<Verdict> {
    let (local, domain) = candidate.rsplit_once('@')?;
    if !is_local_part(local) {
        return None;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if domain.chars().count() > 253 || labels.len() < 2 || !labels.iter().all(|l| is_label(l)) {
        return None;
    }
    let lower_domain = domain.to_lowercase();
    let tld = casefold(labels[labels.len() - 1]);
    let reserved = RESERVED_TLDS.contains(&tld.as_str())
        || RESERVED_DOMAINS.iter().any(|name| {
            lower_domain == *name
                || lower_domain
                    .strip_suffix(name)
                    .is_some_and(|head| head.ends_with('.'))
        });
    // A top-level domain is never all digits, and the list holds none.
    if !reserved && !top_level_domains().contains(tld.as_str()) {
        return None;
    }
    let flags = if reserved {
        vec![Flag::ReservedDomain]
    } else {
        Vec::new()
    };
    Some(Verdict::new(
        candidate.to_lowercase(),
        Strength::Medium,
        flags,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        let table: &[(&str, Option<(&str, bool)>)] = &[
            (
                "Anna.Andersson@Exempel.se",
                Some(("anna.andersson@exempel.se", false)),
            ),
            ("anna@example.com", Some(("anna@example.com", true))),
            ("anna@sub.example.org", Some(("anna@sub.example.org", true))),
            ("anna@host.test", Some(("anna@host.test", true))),
            (
                "åsa.öberg@företag.se",
                Some(("åsa.öberg@företag.se", false)),
            ),
            ("x@пример.рф", Some(("x@пример.рф", false))),
            ("x@domain.xn--p1ai", Some(("x@domain.xn--p1ai", false))),
            ("file.txt@v2.bak", None),
            ("name@host", None),
            (".anna@exempel.se", None),
            ("anna.@exempel.se", None),
            ("an..na@exempel.se", None),
            ("anna@-exempel.se", None),
            ("anna@exempel-.se", None),
            ("anna@exempel..se", None),
            ("anna@notexample.com", Some(("anna@notexample.com", false))),
            ("@exempel.se", None),
            ("anna@exempel.123", None),
            ("\"anna\"@exempel.se", None),
            ("anna@[127.0.0.1]", None),
            // A combining mark is alphabetic to Rust but not alphanumeric to Python.
            ("a\u{301}@exempel.se", None),
        ];
        for (candidate, expected) in table {
            let got = validate_email(candidate).map(|verdict| {
                (
                    verdict.normalized.clone(),
                    verdict.has(Flag::ReservedDomain),
                )
            });
            let expected =
                expected.map(|(normalized, reserved)| (normalized.to_string(), reserved));
            assert_eq!(got, expected, "{candidate}");
        }
    }

    #[test]
    fn lengths_count_characters() {
        let local64 = "å".repeat(64);
        assert!(validate_email(&format!("{local64}@exempel.se")).is_some());
        assert!(validate_email(&format!("{local64}a@exempel.se")).is_none());
        let label63 = "a".repeat(63);
        assert!(validate_email(&format!("x@{label63}.se")).is_some());
        assert!(validate_email(&format!("x@{label63}a.se")).is_none());
    }

    #[test]
    fn knows_top_level_domains() {
        for (label, known) in [
            ("se", true),
            ("SE", true),
            ("рф", true),
            ("xn--p1ai", true),
            ("bak", false),
            ("test", false),
        ] {
            assert_eq!(is_top_level_domain(label), known, "{label}");
        }
    }
}
