//! Property tests of the core's text entry points: any string through every validator and
//! the name scan must come back without a panic, and what comes back must be well-formed.
//!
//! `cargo test` runs a small fixed number of cases per property (`PIISCAN_FUZZ_CASES`, 256 by
//! default); `benchmarks/fuzz_core.py` runs the same properties with a large budget. A case
//! that ever fails is added to `REGRESSIONS` below.

use std::sync::OnceLock;

use proptest::prelude::*;

use piiscan_core::checksums::{luhn, luhn_check_digit, mod11, mod11_check_digit, mod97};
use piiscan_core::names::{Kind, NameRules, WordLists};
use piiscan_core::names_combine::ModelSpan;
use piiscan_core::text::{casefold, collapse_spaces};
use piiscan_core::validators::address::validate_address;
use piiscan_core::validators::bank::{
    clearing_range, validate_bank_account, validate_bankgiro, validate_plusgiro,
};
use piiscan_core::validators::birth_date::{parse_birth_date, validate_birth_date};
use piiscan_core::validators::card::{card_brand, validate_card};
use piiscan_core::validators::email::{is_top_level_domain, validate_email};
use piiscan_core::validators::iban::validate_iban;
use piiscan_core::validators::identity_document::validate_identity_document;
use piiscan_core::validators::ip::{
    looks_like_a_section_number, parse_address, validate_ip_address,
};
use piiscan_core::validators::organisationsnummer::{
    parse_vat_number, validate_organisationsnummer,
};
use piiscan_core::validators::personnummer::{
    parse_identity_number, validate_personnummer, validate_samordningsnummer, Date,
};
use piiscan_core::validators::phone::{swedish_ndc_length, swedish_type, validate_phone, Phone};
use piiscan_core::validators::postnummer::{is_known_postort, validate_postnummer};
use piiscan_core::validators::vehicle::{is_barred, validate_vehicle_registration};

/// Inputs that once failed and edge cases worth running every time.
const REGRESSIONS: &[&str] = &[
    // validate_birth_date sliced bytes inside a character (fixed in birth_date.rs).
    "\u{1e023}®",
    "e\u{301}e((",
    "",
    "\u{301}",
    "ſe4550000000058398257466",
    "+",
    "00",
    "(",
    "@",
    "a@",
    "@.",
    "A.",
    "A.-",
    "A.-B",
    "Anna-",
    "Anna-K",
    "Anna af",
    "Anna af ",
    "Mvh\n",
    "\n\n\nA",
    ":A",
    "Dr.A",
    ". A",
    "𝐀nna Berg",
];

fn cases() -> u32 {
    std::env::var("PIISCAN_FUZZ_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(256)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn words(list: &[&str]) -> piiscan_core::names::WordSet {
    list.iter().map(|word| word.to_string()).collect()
}

fn name_rules() -> &'static NameRules {
    static RULES: OnceLock<NameRules> = OnceLock::new();
    RULES.get_or_init(build_name_rules)
}

fn build_name_rules() -> NameRules {
    NameRules::new(WordLists {
        first_names: [("anna", 60_000), ("per", 40_000), ("åsa", 30_000)]
            .into_iter()
            .map(|(name, bearers)| (name.to_string(), bearers))
            .collect(),
        surnames: words(&["andersson", "lund", "öberg"]),
        homographs: words(&["per", "lund"]),
        places: words(&["umeå", "lund"]),
        surname_suffixes: ["sson", "berg", "lund", "ić"].map(String::from).to_vec(),
        street_endings: ["gatan", "vägen"].map(String::from).to_vec(),
        field_labels: words(&["namn", "kund", "handläggs av"]),
        closings: words(&["med vänlig hälsning", "mvh"]),
        closing_words: words(&["mvh", "/"]),
        greetings: words(&["hej"]),
        titles: words(&["herr", "kunden"]),
        abbreviated_titles: words(&["dr", "tf"]),
    })
    .expect("valid word lists")
}

/// Every validator and helper on `text`; checks the shape of what comes back.
fn validators_hold(text: &str) {
    let today = Date {
        year: 2026,
        month: 12,
        day: 7,
    };
    let _ = (luhn(text), mod11(text), mod97(text), card_brand(text));
    let _ = (luhn_check_digit(text), mod11_check_digit(text));
    let _ = (
        clearing_range(text),
        parse_vat_number(text),
        is_known_postort(text),
    );
    let _ = (
        parse_identity_number(text, today),
        is_top_level_domain(text),
    );
    let _ = (parse_birth_date(text, today), parse_address(text));
    let _ = (looks_like_a_section_number(text), is_barred(text));
    let _ = (casefold(text), collapse_spaces(text));
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let _ = (swedish_type(&digits), swedish_ndc_length(&digits));
    for verdict in [
        validate_personnummer(text, today),
        validate_samordningsnummer(text, today),
        validate_organisationsnummer(text),
        validate_card(text),
        validate_bankgiro(text),
        validate_plusgiro(text),
        validate_bank_account(text, today),
        validate_postnummer(text),
        validate_ip_address(text),
        validate_birth_date(text, today),
        validate_vehicle_registration(text),
        validate_identity_document(text),
        validate_address(text),
    ]
    .into_iter()
    .flatten()
    {
        assert!(!verdict.normalized.is_empty());
    }
    if let Some(verdict) = validate_iban(text) {
        assert!(verdict
            .normalized
            .bytes()
            .all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit()));
    }
    if let Phone::Valid(verdict) = validate_phone(text) {
        assert!(verdict.normalized.starts_with("+46"));
        assert!(verdict.normalized[1..]
            .bytes()
            .all(|byte| byte.is_ascii_digit()));
    }
    if let Some(verdict) = validate_email(text) {
        assert!(verdict.normalized.contains('@'));
    }
}

/// The name scan on `text`: tokens inside the text, in order, not overlapping; triggers are
/// word tokens of the text.
fn name_scan_holds(rules: &NameRules, text: &str) {
    let length = text.chars().count();
    let (groups, triggers) = rules.scan(text);
    let mut last_end = 0;
    for run in &groups {
        assert!(!run.is_empty());
        assert_ne!(run[0].kind, Kind::Particle);
        assert_ne!(run[run.len() - 1].kind, Kind::Particle);
        for token in run {
            assert!(last_end <= token.start && token.start < token.end && token.end <= length);
            last_end = token.end;
        }
    }
    let mut last_start = None;
    for token in &triggers {
        assert_eq!(token.kind, Kind::Word);
        assert!(token.start < token.end && token.end <= length);
        assert!(last_start < Some(token.start));
        last_start = Some(token.start);
    }
    let chars: Vec<char> = text.chars().collect();
    for at in 0..=chars.len() {
        let _ = rules.context_strength(&chars, at);
    }
    // Weighing, windows and combining: spans inside the text, in order, not overlapping.
    let candidates = rules.weigh_chars(&chars, &groups);
    let mut last_end = 0;
    for candidate in &candidates {
        assert!(last_end <= candidate.start && candidate.start < candidate.end);
        assert!(candidate.end <= length && (1..=3).contains(&candidate.strength));
        last_end = candidate.end;
    }
    let windows = rules.windows(&chars, &candidates, &triggers);
    for &(start, end) in &windows {
        assert!(start <= end && end <= length);
    }
    // Any model output: each window as a person, each as a place, and the whole text.
    let mut model: Vec<ModelSpan> = windows
        .iter()
        .flat_map(|&(start, end)| {
            [
                ModelSpan::labelled(start, end, "PER"),
                ModelSpan::labelled(start, end, "LOC"),
            ]
        })
        .filter(|span| span.start < span.end)
        .collect();
    if length > 0 {
        model.push(ModelSpan::labelled(0, length, "PER"));
    }
    let mut last_end = 0;
    for span in rules.combine(&chars, &candidates, &model) {
        assert!(last_end <= span.start && span.start < span.end && span.end <= length);
        assert!(!span.evidence.is_empty());
        last_end = span.end;
    }
}

#[test]
fn regressions_hold() {
    for text in REGRESSIONS {
        validators_hold(text);
        name_scan_holds(name_rules(), text);
    }
}

/// Characters identifiers and names are written with, and some that are not.
const IDENTIFIER_TEXT: &str = r"[0-9\-+ ,.:/()@\u{a0}\nSEsekorAaÅåÖöß٣𝟘\u{301}xXZz]{0,40}";
const NAME_TEXT: &str = r"(Anna|Per|Åsa|Andersson|Öberg|Lund|Quapp|Z|A\.|B\.|-|‐|af |von |de |Hej |Mvh\n|Namn: |Dr\. |kunden |: |, |\. | |  |    |\t|\n|\u{a0}|𝐀|é|\u{301}|1|ß){0,40}";

proptest! {
    #![proptest_config(config())]

    #[test]
    fn validators_never_panic_on_any_text(text in any::<String>()) {
        validators_hold(&text);
    }

    #[test]
    fn validators_never_panic_on_identifier_like_text(text in IDENTIFIER_TEXT) {
        validators_hold(&text);
    }

    #[test]
    fn name_scan_never_panics_on_any_text(text in any::<String>()) {
        name_scan_holds(name_rules(), &text);
    }

    #[test]
    fn name_scan_never_panics_on_name_like_text(text in NAME_TEXT) {
        name_scan_holds(name_rules(), &text);
    }
}
