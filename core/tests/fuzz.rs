//! A fixed-budget fuzz of the core's text entry points: random strings biased towards what
//! identifiers are written with (digits of several scripts, separators, letters, multi-byte
//! characters) go through every validator and the matcher. Nothing may panic, and what comes
//! back must be well-formed. Deterministic (a fixed seed), so a failure reproduces.

use piiscan_core::checksums::{luhn, luhn_check_digit, mod11, mod11_check_digit, mod97};
use piiscan_core::matcher::{CharOffsets, CompiledPatterns, PatternSpec};
use piiscan_core::validators::bank::{
    clearing_range, validate_bank_account, validate_bankgiro, validate_plusgiro,
};
use piiscan_core::validators::card::{card_brand, validate_card};
use piiscan_core::validators::organisationsnummer::{
    parse_vat_number, validate_organisationsnummer,
};
use piiscan_core::validators::personnummer::{
    parse_identity_number, validate_personnummer, validate_samordningsnummer, Date,
};
use piiscan_core::validators::postnummer::{is_known_postort, validate_postnummer};

const ROUNDS: usize = 40_000;
const ALPHABET: &[&str] = &[
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "1", "8", "9", "-", "+", " ", " ", ",",
    ".", ":", "/", "(", ")", "\u{a0}", "\n", "S", "E", "a", "k", "o", "n", "t", "r", "å", "Ö", "ß",
    "٣", "𝟘", "١", "\u{301}", "@", "x",
];

/// xorshift64*: enough randomness for a fuzz, no dependency.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn text(&mut self) -> String {
        let length = self.below(24);
        (0..length)
            .map(|_| ALPHABET[self.below(ALPHABET.len())])
            .collect()
    }
}

fn digits_only(text: &str) -> bool {
    text.bytes().all(|byte| byte.is_ascii_digit())
}

#[test]
fn validators_never_panic_and_normalise_to_digits() {
    let today = Date {
        year: 2026,
        month: 11,
        day: 21,
    };
    let mut random = Random(0x5eed_1234_abcd_0001);
    for _ in 0..ROUNDS {
        let text = random.text();
        let _ = (luhn(&text), mod11(&text), mod97(&text), card_brand(&text));
        let _ = (luhn_check_digit(&text), mod11_check_digit(&text));
        let _ = (
            clearing_range(&text),
            parse_vat_number(&text),
            is_known_postort(&text),
        );
        let _ = parse_identity_number(&text, today);
        for verdict in [
            validate_personnummer(&text, today),
            validate_samordningsnummer(&text, today),
            validate_organisationsnummer(&text),
            validate_card(&text),
            validate_bankgiro(&text),
            validate_plusgiro(&text),
            validate_bank_account(&text, today),
            validate_postnummer(&text),
        ]
        .into_iter()
        .flatten()
        {
            assert!(digits_only(&verdict.normalized));
        }
    }
}

#[test]
fn the_matcher_never_panics_and_spans_are_characters() {
    let spec = |regex: &str, not_after: Option<&str>, not_before: &[&[&str]]| PatternSpec {
        regex: regex.to_owned(),
        not_after: not_after.map(str::to_owned),
        not_before: not_before
            .iter()
            .map(|sequence| sequence.iter().map(|class| (*class).to_owned()).collect())
            .collect(),
    };
    let patterns = CompiledPatterns::new(&[
        (
            vec![
                spec(r"\d{6}[-+ ]?\d{4}", Some(r"\d\p{L}-"), &[&[r"\d"]]),
                spec(r"\d{2,}", None, &[&[r"\d.,:", r"\d"], &["-", r"\d"]]),
            ],
            false,
        ),
        (
            vec![spec(
                r"(?i:konto)\s*(?P<value>\d[\d -]{2,8}\d)",
                None,
                &[&[r"\d-"]],
            )],
            false,
        ),
        (vec![spec(r"(\d|\d\d)+$", None, &[])], true),
    ])
    .expect("compiles");
    let mut random = Random(0x5eed_1234_abcd_0002);
    for _ in 0..ROUNDS {
        let text = random.text();
        let mut offsets = CharOffsets::new(&text);
        let mut found = patterns.find_all(&text);
        found.sort_by_key(|candidate| candidate.found.start);
        for candidate in found {
            let (start, end) = (candidate.found.start, candidate.found.end);
            assert!(start < end && end <= text.len());
            assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
            let character = offsets.at(start);
            assert_eq!(character, text[..start].chars().count());
        }
    }
}
