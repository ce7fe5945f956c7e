//! Payment card numbers (PAN, ISO/IEC 7812), the rules of `piiscan/validators/card.py`.
//!
//! Forms: 13-19 digits as one run, or in the groups a card is printed with, separated by single
//! spaces or single dashes (one kind per number). Rejected: a failing Luhn check, an issuer
//! identification number (IIN) of no known brand or a length that brand never issues, other
//! groupings.

use crate::checksums::luhn;
use crate::verdict::{Strength, Verdict};

/// One brand rule: an inclusive IIN range written as equal-length digit strings, and the
/// number lengths the brand issues.
struct BrandRange {
    brand: &'static str,
    low: &'static str,
    high: &'static str,
    shortest: usize,
    longest: usize,
    /// Visa issues 13, 16 and 19 digits only; for the others every length in the span counts.
    only: Option<&'static [usize]>,
}

const fn span(
    brand: &'static str,
    low: &'static str,
    high: &'static str,
    shortest: usize,
    longest: usize,
) -> BrandRange {
    BrandRange {
        brand,
        low,
        high,
        shortest,
        longest,
        only: None,
    }
}

/// IIN ranges from the public brand rules, in the order the Python table had them.
const BRANDS: &[BrandRange] = &[
    BrandRange {
        brand: "visa",
        low: "4",
        high: "4",
        shortest: 13,
        longest: 19,
        only: Some(&[13, 16, 19]),
    },
    span("mastercard", "51", "55", 16, 16),
    span("mastercard", "2221", "2720", 16, 16),
    span("amex", "34", "34", 15, 15),
    span("amex", "37", "37", 15, 15),
    span("discover", "6011", "6011", 16, 19),
    span("discover", "644", "649", 16, 19),
    span("discover", "65", "65", 16, 19),
    span("diners", "300", "305", 14, 19),
    span("diners", "3095", "3095", 14, 19),
    span("diners", "36", "36", 14, 19),
    span("diners", "38", "39", 14, 19),
    span("jcb", "3528", "3589", 16, 19),
    span("unionpay", "62", "62", 16, 19),
    span("maestro", "5018", "5018", 13, 19),
    span("maestro", "5020", "5020", 13, 19),
    span("maestro", "5038", "5038", 13, 19),
    span("maestro", "5893", "5893", 13, 19),
    span("maestro", "6304", "6304", 13, 19),
    span("maestro", "6759", "6759", 13, 19),
    span("maestro", "6761", "6763", 13, 19),
    span("mir", "2200", "2204", 16, 19),
];

/// Group lengths a card is printed with.
const GROUPINGS: &[&[usize]] = &[
    &[4, 4, 5],
    &[4, 3, 3, 3],
    &[4, 6, 4],
    &[4, 6, 5],
    &[4, 4, 4, 4],
    &[4, 4, 4, 5],
    &[4, 4, 4, 6],
    &[4, 4, 4, 4, 3],
];

/// Test cards published by payment providers (Stripe, Adyen, PayPal/Braintree documentation).
const TEST_CARDS: &[&str] = &[
    "4242424242424242",
    "4111111111111111",
    "4012888888881881",
    "4000056655665556",
    "5555555555554444",
    "5105105105105100",
    "5200828282828210",
    "2223003122003222",
    "378282246310005",
    "371449635398431",
    "6011111111111117",
    "6011000990139424",
    "3056930009020004",
    "36227206271667",
    "3566002020360505",
    "6200000000000005",
];

/// The brand whose IIN range and lengths fit `digits` (the card number, digits only).
pub fn card_brand(digits: &str) -> Option<&'static str> {
    let length = digits.chars().count();
    BRANDS
        .iter()
        .find(|rule| {
            let fits_length = match rule.only {
                Some(lengths) => lengths.contains(&length),
                None => (rule.shortest..=rule.longest).contains(&length),
            };
            // Equal-length digit strings compare like the numbers they spell.
            let prefix = digits.get(..rule.low.len()).unwrap_or(digits);
            fits_length && rule.low <= prefix && prefix <= rule.high
        })
        .map(|rule| rule.brand)
}

/// `digits([ -]digits)*` with one separator kind: the groups and whether a separator was used.
fn groups(candidate: &str) -> Option<(Vec<&str>, bool)> {
    let separator = candidate.bytes().find(|byte| matches!(byte, b' ' | b'-'));
    let groups: Vec<&str> = match separator {
        Some(separator) => candidate.split(char::from(separator)).collect(),
        None => vec![candidate],
    };
    let well_formed = groups
        .iter()
        .all(|group| !group.is_empty() && group.bytes().all(|byte| byte.is_ascii_digit()));
    well_formed.then_some((groups, separator.is_some()))
}

/// Validate a payment card number; `normalized` is the digits.
///
/// Strength: printed grouping (4-4-4-4, 4-6-5, ...) medium; an ungrouped run low, because OCR
/// references and other long identifiers pass Luhn as often as cards do. Flag `test_identity`
/// for well-known provider test cards.
pub fn validate_card(candidate: &str) -> Option<Verdict> {
    let (groups, separated) = groups(candidate)?;
    let digits: String = groups.concat();
    if !(13..=19).contains(&digits.len()) {
        return None;
    }
    if separated {
        let lengths: Vec<usize> = groups.iter().map(|group| group.len()).collect();
        if !GROUPINGS.contains(&lengths.as_slice()) {
            return None;
        }
    }
    card_brand(&digits)?;
    if !luhn(&digits) {
        return None;
    }
    let strength = if separated {
        Strength::Medium
    } else {
        Strength::Low
    };
    let is_test = TEST_CARDS.contains(&digits.as_str());
    Some(Verdict::with_test_flag(digits, strength, is_test))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brands() {
        assert_eq!(card_brand("4242424242424242"), Some("visa"));
        assert_eq!(card_brand("424242424242424"), None);
        assert_eq!(card_brand("378282246310005"), Some("amex"));
        assert_eq!(card_brand("2223003122003222"), Some("mastercard"));
        assert_eq!(card_brand("1234567812345670"), None);
        assert_eq!(card_brand(""), None);
    }

    #[test]
    fn groupings_and_strength() {
        let verdict = validate_card("4242 4242 4242 4242").expect("stripe");
        assert_eq!(verdict.strength, Some(Strength::Medium));
        assert!(verdict.has(crate::verdict::Flag::TestIdentity));
        assert_eq!(
            validate_card("4242424242424242").and_then(|v| v.strength),
            Some(Strength::Low)
        );
        for rejected in [
            "4242-4242 4242-4242",
            "4242  4242 4242 4242",
            "4242 4242 42424242",
            "4242 4242 4242 4241",
            " 4242424242424242",
            "4242424242424242-",
            "",
        ] {
            assert!(validate_card(rejected).is_none(), "{rejected:?}");
        }
    }
}
