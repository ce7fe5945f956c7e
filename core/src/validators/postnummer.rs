//! Swedish postal codes (postnummer) and the gazetteer of postorter behind them, the rules of
//! `piiscan/validators/postnummer.py`.
//!
//! Forms: `NNN NN` (a no-break space also counts), `NNNNN`, with an optional `SE-` or `S-`.
//! Rejected: a first digit 0. The gazetteer `src/piiscan/data/postnummer.csv` (CC0, about 82 %
//! of codes) is compiled into the core from the file the Python package ships; a code outside
//! it is still accepted, at lower strength.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::text::{casefold, collapse_spaces};
use crate::verdict::{Strength, Verdict};

const GAZETTEER: &str = include_str!("../../../src/piiscan/data/postnummer.csv");

/// Postal code (five digits) to locality, as spelled in the gazetteer.
fn gazetteer() -> &'static HashMap<&'static str, &'static str> {
    static TABLE: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        GAZETTEER
            .lines()
            .skip(1) // postal_code,locality
            .filter_map(|line| {
                let mut fields = line.split(',');
                Some((fields.next()?, fields.next()?))
            })
            .collect()
    })
}

/// Every locality, case-folded.
fn postorter() -> &'static HashSet<String> {
    static NAMES: OnceLock<HashSet<String>> = OnceLock::new();
    NAMES.get_or_init(|| gazetteer().values().map(|name| casefold(name)).collect())
}

/// The locality (postort) of a postal code given as five digits.
pub fn postort_for(postnummer5: &str) -> Option<&'static str> {
    gazetteer().get(postnummer5).copied()
}

/// True when `name` is a postort in the gazetteer, ignoring case and surrounding space.
pub fn is_known_postort(name: &str) -> bool {
    postorter().contains(&casefold(&collapse_spaces(name)))
}

/// `(SE-|S-)?[1-9]NN[ \u{a0}]?NN`: the five digits.
fn digits(candidate: &str) -> Option<String> {
    let unprefixed = candidate
        .strip_prefix("SE-")
        .or_else(|| candidate.strip_prefix("S-"))
        .unwrap_or(candidate);
    let characters: Vec<char> = unprefixed.chars().collect();
    let written: Vec<char> = match characters.as_slice() {
        [a, b, c, ' ' | '\u{a0}', d, e] | [a, b, c, d, e] => vec![*a, *b, *c, *d, *e],
        _ => return None,
    };
    let shaped = written.iter().all(char::is_ascii_digit) && written[0] != '0';
    shaped.then(|| written.into_iter().collect())
}

/// Validate a Swedish postal code; `normalized` is the five digits.
///
/// Strength medium when the code is in the gazetteer, low otherwise.
pub fn validate_postnummer(candidate: &str) -> Option<Verdict> {
    let digits = digits(candidate)?;
    let strength = if gazetteer().contains_key(digits.as_str()) {
        Strength::Medium
    } else {
        Strength::Low
    };
    Some(Verdict::new(digits, strength, Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let read = |candidate| validate_postnummer(candidate).map(|v| (v.normalized, v.strength));
        assert_eq!(
            read("114 55"),
            Some(("11455".into(), Some(Strength::Medium)))
        );
        assert_eq!(
            read("S-114\u{a0}55"),
            Some(("11455".into(), Some(Strength::Medium)))
        );
        assert_eq!(
            read("SE-999 99"),
            Some(("99999".into(), Some(Strength::Low)))
        );
        for rejected in [
            "012 34",
            "114  55",
            "1145",
            "114 555",
            "11-455",
            "SE 114 55",
            "١١٤٥٥",
        ] {
            assert_eq!(read(rejected), None, "{rejected:?}");
        }
    }

    #[test]
    fn gazetteer_lookups() {
        assert_eq!(postort_for("11455"), Some("Stockholm"));
        assert_eq!(postort_for("99999"), None);
        assert!(is_known_postort(" göteborg "));
        assert!(is_known_postort("STOCKHOLM"));
        assert!(!is_known_postort(""));
    }
}
