//! Swedish postal addresses, the rules `piiscan/validators/address.py` wraps.
//!
//! The candidate is what the `se.address` patterns matched: a street line (`Storgatan 12 A`,
//! `Box 123`, optionally `lgh 1102` and a `c/o` line) and/or postnummer + postort
//! (`123 45 Stockholm`). Strength:
//!
//! * street line + postnummer whose postort agrees with the gazetteer: high;
//! * street line + a plausible postnummer and a postort not in the gazetteer, or postnummer +
//!   postort alone that the gazetteer confirms: medium;
//! * a street line alone, or postnummer + a postort the gazetteer knows under another code:
//!   low (needs a word such as "adress" nearby);
//! * postnummer + a postort the gazetteer does not know at all: rejected.
//!
//! The normalised value is the candidate case-folded, commas and runs of white space read as
//! one space.

use std::sync::OnceLock;

use regex::Regex;

use crate::text::{casefold, collapse_split, is_python_space};
use crate::validators::postnummer::{is_known_postort, postort_for, validate_postnummer};
use crate::verdict::{Strength, Verdict};

/// Postnummer and postort at the end of the collapsed candidate, searched from the left.
fn postal() -> &'static Regex {
    static POSTAL: OnceLock<Regex> = OnceLock::new();
    POSTAL.get_or_init(|| {
        Regex::new(r"(?:SE-?\s?)?(?P<code>[1-9]\d{2}\s?\d{2})\s+(?P<town>[^\W\d_][\w -]*)$")
            .expect("a valid pattern")
    })
}

/// Python's `\d`: a decimal digit of any script.
fn has_digit(text: &str) -> bool {
    text.chars().any(has_digit_char)
}

fn has_digit_char(character: char) -> bool {
    character.is_ascii_digit() || (!character.is_ascii() && character.is_numeric())
}

/// Validate an address candidate; see the module documentation for the strength rules.
pub fn validate_address(candidate: &str) -> Option<Verdict> {
    // `" ".join(candidate.replace(",", " ").split())` in one pass.
    let text = collapse_split(candidate, |c| c == ',' || is_python_space(c));
    // A postnummer is five digits: with fewer (a street and a house number, most
    // candidates) the pattern is not run. `has_digit`'s digits are a superset of `\d`'s.
    let digits = text.chars().filter(|&c| has_digit_char(c)).take(5).count();
    let found = if digits < 5 {
        None
    } else {
        postal().captures(&text)
    };
    let street = match &found {
        Some(captures) => text[..captures.get(0)?.start()].trim(),
        None => text.as_str(),
    };
    let has_street = !street.is_empty() && has_digit(street);
    let strength = match &found {
        Some(captures) => {
            let code: String = captures["code"].chars().filter(|c| *c != ' ').collect();
            let town = captures["town"].trim();
            validate_postnummer(&code)?;
            let confirmed = postort_for(&code).is_some_and(|name| casefold(name) == casefold(town));
            let known_town = confirmed || is_known_postort(town);
            if has_street {
                if confirmed {
                    Strength::High
                } else {
                    Strength::Medium
                }
            } else if confirmed {
                Strength::Medium
            } else if known_town {
                Strength::Low
            } else {
                return None;
            }
        }
        None if has_street => Strength::Low,
        None => return None,
    };
    Some(Verdict::new(casefold(&text), strength, Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(candidate: &str) -> Option<(String, Option<Strength>)> {
        validate_address(candidate).map(|verdict| (verdict.normalized, verdict.strength))
    }

    #[test]
    fn strengths() {
        let cases: &[(&str, Option<Strength>)] = &[
            (
                "Storgatan 12 A, lgh 1102, 114 55 Stockholm",
                Some(Strength::High),
            ),
            ("Storgatan 12, 999 99 Ingenstans", Some(Strength::Medium)),
            ("Storgatan 12, 114 55 Göteborg", Some(Strength::Medium)),
            ("114 55 Stockholm", Some(Strength::Medium)),
            ("114 55 Göteborg", Some(Strength::Low)),
            ("Storgatan 12", Some(Strength::Low)),
            ("Box 123", Some(Strength::Low)),
            ("999 99 Ingenstans", None),
            ("12345 Summa", None),
            ("Storgatan", None),
        ];
        for (candidate, strength) in cases {
            assert_eq!(
                read(candidate).map(|(_, strength)| strength),
                strength.map(Some),
                "{candidate:?}"
            );
        }
    }

    #[test]
    fn normalised_form() {
        assert_eq!(
            read("Storgatan 12 A,\n  114 55  STOCKHOLM").map(|(normalized, _)| normalized),
            Some("storgatan 12 a 114 55 stockholm".to_owned())
        );
    }
}
