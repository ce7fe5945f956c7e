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

use regex_syntax::hir::{Class, HirKind};

use crate::text::{casefold, collapse_split, is_python_space};
use crate::validators::postnummer::{is_known_postort, postort_for, validate_postnummer};
use crate::verdict::{Strength, Verdict};

/// Where the postnummer and postort at the end of the collapsed candidate are: what
/// `(?:SE-?\s?)?(?P<code>[1-9]\d{2}\s?\d{2})\s+(?P<town>[^\W\d_][\w -]*)$` captures in its
/// leftmost match (`re.search` in Python), found by hand.
///
/// Read from a place, the pattern has one way to go: the optional pieces take a character
/// only where the next piece could not (a `-` or a space is never a digit, a space never a
/// letter), so the first place from which it reaches the end is the match. What the last
/// piece accepts is known for the whole end of the text at once. (As a `regex`, the search
/// ran backwards from the end through a lazy DFA of Unicode `\w`: a new state for every new
/// letter a cold engine met, most of what validating an address cost.)
struct Postal<'t> {
    /// Where the match starts (the `SE` prefix, else the postnummer).
    start: usize,
    code: &'t str,
    town: &'t str,
}

fn postal(text: &str) -> Option<Postal<'_>> {
    // The end of the text the town's letters may run through: `[\w -]*` to the end.
    let tail = text
        .char_indices()
        .rev()
        .find(|&(_, character)| !(is_word(character) || character == ' ' || character == '-'))
        .map_or(0, |(at, character)| at + character.len_utf8());
    text.char_indices()
        .filter(|&(_, character)| character == 'S' || ('1'..='9').contains(&character))
        .find_map(|(start, _)| postal_at(text, start, tail))
}

/// The pattern read from `start`, if it reaches the end; `tail` as in [`postal`].
fn postal_at(text: &str, start: usize, tail: usize) -> Option<Postal<'_>> {
    let mut rest = &text[start..];
    let at = |rest: &str| text.len() - rest.len();
    // `(?:SE-?\s?)?`
    if let Some(after) = rest.strip_prefix("SE") {
        rest = after;
        rest = rest.strip_prefix('-').unwrap_or(rest);
        rest = skip_one(rest, is_space);
    }
    // `[1-9]\d{2}\s?\d{2}`
    let code_start = at(rest);
    rest = rest.strip_prefix(|c: char| ('1'..='9').contains(&c))?;
    rest = take_one(rest, is_digit)?;
    rest = take_one(rest, is_digit)?;
    rest = skip_one(rest, is_space);
    rest = take_one(rest, is_digit)?;
    rest = take_one(rest, is_digit)?;
    let code = &text[code_start..at(rest)];
    // `\s+`
    let town_start = at(rest.trim_start_matches(is_space));
    if town_start == at(rest) {
        return None;
    }
    // `[^\W\d_][\w -]*$`
    let first = text[town_start..].chars().next()?;
    if !is_word(first) || is_digit(first) || first == '_' {
        return None;
    }
    if town_start + first.len_utf8() < tail {
        return None;
    }
    Some(Postal {
        start,
        code,
        town: &text[town_start..],
    })
}

/// `rest` after its first character, if `accept` takes it.
fn take_one(rest: &str, accept: impl Fn(char) -> bool) -> Option<&str> {
    let first = rest.chars().next().filter(|&character| accept(character))?;
    Some(&rest[first.len_utf8()..])
}

/// `rest` after its first character if `accept` takes it, else `rest`.
fn skip_one(rest: &str, accept: impl Fn(char) -> bool) -> &str {
    take_one(rest, accept).unwrap_or(rest)
}

/// `regex`'s Unicode `\w`.
fn is_word(character: char) -> bool {
    regex_syntax::is_word_character(character)
}

/// `regex`'s Unicode `\d` (a decimal digit, `Nd`).
fn is_digit(character: char) -> bool {
    if character.is_ascii() {
        return character.is_ascii_digit();
    }
    in_class(character, unicode_class(r"\d"), &DIGITS)
}

/// `regex`'s Unicode `\s` (`White_Space`).
fn is_space(character: char) -> bool {
    if character.is_ascii() {
        return matches!(character, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r');
    }
    in_class(character, unicode_class(r"\s"), &SPACES)
}

static DIGITS: OnceLock<Vec<(char, char)>> = OnceLock::new();
static SPACES: OnceLock<Vec<(char, char)>> = OnceLock::new();

/// The ranges of a class as `regex` reads it (its own Unicode tables), for `pattern`.
fn unicode_class(pattern: &str) -> impl FnOnce() -> Vec<(char, char)> + '_ {
    move || match regex_syntax::parse(pattern).map(|hir| hir.into_kind()) {
        Ok(HirKind::Class(Class::Unicode(class))) => class
            .ranges()
            .iter()
            .map(|range| (range.start(), range.end()))
            .collect(),
        _ => Vec::new(),
    }
}

fn in_class(
    character: char,
    ranges: impl FnOnce() -> Vec<(char, char)>,
    class: &OnceLock<Vec<(char, char)>>,
) -> bool {
    class
        .get_or_init(ranges)
        .binary_search_by(|&(low, high)| {
            if high < character {
                std::cmp::Ordering::Less
            } else if low > character {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
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
    let found = if digits < 5 { None } else { postal(&text) };
    let street = match &found {
        Some(found) => text[..found.start].trim(),
        None => text.as_str(),
    };
    let has_street = !street.is_empty() && has_digit(street);
    let strength = match &found {
        Some(found) => {
            let code: String = found.code.chars().filter(|c| *c != ' ').collect();
            let town = found.town.trim();
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

    /// Where the match starts, the postnummer and the postort.
    type Parts<'t> = Option<(usize, &'t str, &'t str)>;

    /// `(start, code, town)` of [`postal`].
    fn parts(text: &str) -> Parts<'_> {
        postal(text).map(|found| (found.start, found.code, found.town))
    }

    /// The same as `regex` finds them with the pattern [`postal`] reads by hand.
    fn parts_by_regex(text: &str) -> Parts<'_> {
        static PATTERN: OnceLock<regex::Regex> = OnceLock::new();
        let pattern = PATTERN.get_or_init(|| {
            regex::Regex::new(
                r"(?:SE-?\s?)?(?P<code>[1-9]\d{2}\s?\d{2})\s+(?P<town>[^\W\d_][\w -]*)$",
            )
            .expect("a valid pattern")
        });
        let captures = pattern.captures(text)?;
        Some((
            captures.get(0)?.start(),
            captures.name("code")?.as_str(),
            captures.name("town")?.as_str(),
        ))
    }

    #[test]
    fn postnummer_and_postort() {
        let cases: &[(&str, Parts<'_>)] = &[
            (
                "Storgatan 12 A lgh 1102 114 55 Stockholm",
                Some((24, "114 55", "Stockholm")),
            ),
            ("114 55 Stockholm", Some((0, "114 55", "Stockholm"))),
            (
                "Box 123 SE-114 55 Stockholm",
                Some((8, "114 55", "Stockholm")),
            ),
            ("SE 11455 Stockholm", Some((0, "11455", "Stockholm"))),
            ("SE11455 Stockholm", Some((0, "11455", "Stockholm"))),
            ("ESE-114 55 Stockholm", Some((1, "114 55", "Stockholm"))),
            (
                "Storgatan 12 752 37 Uppsala-Näs",
                Some((13, "752 37", "Uppsala-Näs")),
            ),
            (
                "123 45 Östra Ämtervik",
                Some((0, "123 45", "Östra Ämtervik")),
            ),
            ("12345 67890 Åby", Some((6, "67890", "Åby"))),
            ("0123 45 Stockholm", Some((1, "123 45", "Stockholm"))),
            ("012 34 Stockholm", None),
            ("114 55 Stockholm.", None),
            ("114 55 1Stockholm", None),
            ("114 55 _Stockholm", None),
            ("114 55Stockholm", None),
            ("114 5 Stockholm", None),
            ("SE-114 55", None),
            // Digits of other scripts are `\d`; `²` is not.
            ("\u{661}\u{662}3 45 Town", None),
            (
                "1\u{661}\u{662} \u{663}\u{664} Town",
                Some((0, "1\u{661}\u{662} \u{663}\u{664}", "Town")),
            ),
            ("123 4² Town", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parts(text), *expected, "{text:?}");
            assert_eq!(parts_by_regex(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn postal_reads_as_the_regex_on_random_texts() {
        // Pieces the pattern turns on, strung together at random (a fixed sequence).
        let pieces = [
            "S",
            "E",
            "SE",
            "-",
            " ",
            "  ",
            "\u{a0}",
            "\u{2003}",
            "1",
            "2",
            "0",
            "9",
            "123",
            "45",
            "\u{661}",
            "²",
            "a",
            "Å",
            "ö",
            "_",
            "x",
            ",",
            ".",
            "\u{301}",
            "K",
            "é",
            "114 55",
            "11455",
            " Åby",
            " Stockholm",
            "SE-1",
            "23 45 ",
            "Ö",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        let mut text = String::new();
        let mut matched = 0;
        for _ in 0..60_000 {
            text.clear();
            for _ in 0..next(14) {
                text.push_str(pieces[next(pieces.len())]);
            }
            let found = parts(&text);
            assert_eq!(found, parts_by_regex(&text), "{text:?}");
            matched += usize::from(found.is_some());
        }
        // Enough of them match for the comparison to reach the captures.
        assert!(matched > 1_000, "{matched}");
    }

    #[test]
    fn normalised_form() {
        assert_eq!(
            read("Storgatan 12 A,\n  114 55  STOCKHOLM").map(|(normalized, _)| normalized),
            Some("storgatan 12 a 114 55 stockholm".to_owned())
        );
    }
}
