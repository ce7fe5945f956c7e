//! The validators over the same vectors the Python test tables read: Skatteverket's full test
//! lists, personnummer/meta and organisationsnummer/meta, and the bank, giro and card vectors.
//! Every file is read from the repository at test time, never copied into this source.

use std::path::{Path, PathBuf};

use piiscan_core::validators::bank::{validate_bank_account, validate_bankgiro, validate_plusgiro};
use piiscan_core::validators::card::validate_card;
use piiscan_core::validators::organisationsnummer::validate_organisationsnummer;
use piiscan_core::validators::personnummer::{
    parse_identity_number, validate_personnummer, validate_samordningsnummer, Date,
};
use piiscan_core::verdict::{Flag, Strength, Verdict};
use serde_json::Value;

type Validator = fn(&str) -> Option<Verdict>;

/// Fixes the century inference and the `+`/`-` choice, as `TODAY` in the Python tests.
const TODAY: Date = Date {
    year: 2026,
    month: 11,
    day: 21,
};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("core/ lies inside the repository")
        .to_path_buf()
}

fn read(relative: &str) -> String {
    let path = repository().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn json(relative: &str) -> Value {
    serde_json::from_str(&read(relative)).expect("valid JSON")
}

fn lines(relative: &str) -> Vec<String> {
    read(relative)
        .lines()
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The 10-digit form with the separator the law prescribes on `TODAY`.
fn short_form(digits12: &str) -> String {
    let year: i32 = digits12[..4].parse().expect("digits");
    let separator = if year <= TODAY.year - 100 { "+" } else { "-" };
    format!("{}{separator}{}", &digits12[2..8], &digits12[8..])
}

#[test]
fn every_skatteverket_test_personnummer() {
    let numbers = lines("src/piiscan/data/skatteverket_testpersonnummer.txt");
    assert_eq!(numbers.len(), 41_493);
    let mut failures = Vec::new();
    for digits12 in &numbers {
        let forms = [
            (digits12.clone(), Strength::High),
            (
                format!("{}-{}", &digits12[..8], &digits12[8..]),
                Strength::High,
            ),
            (short_form(digits12), Strength::Medium),
        ];
        for (candidate, strength) in forms {
            let verdict = validate_personnummer(&candidate, TODAY);
            let ok = verdict.is_some_and(|verdict| {
                verdict.normalized == *digits12
                    && verdict.strength == Some(strength)
                    && verdict.flags == [Flag::TestIdentity]
            }) && validate_samordningsnummer(&candidate, TODAY).is_none();
            if !ok {
                failures.push(candidate);
            }
        }
    }
    assert!(failures.is_empty(), "{} failed", failures.len());
}

#[test]
fn every_skatteverket_test_samordningsnummer() {
    let numbers = lines("src/piiscan/data/skatteverket_testsamordningsnummer.txt");
    assert_eq!(numbers.len(), 2_264);
    let mut impossible = Vec::new();
    let mut failures = Vec::new();
    for digits12 in &numbers {
        for candidate in [digits12.clone(), short_form(digits12)] {
            let ok = validate_samordningsnummer(&candidate, TODAY).is_some_and(|verdict| {
                verdict.normalized == *digits12 && verdict.has(Flag::TestIdentity)
            }) && validate_personnummer(&candidate, TODAY).is_none();
            if !ok {
                failures.push(candidate);
            }
        }
        if parse_identity_number(digits12, TODAY).is_some_and(|identity| identity.impossible_date) {
            impossible.push(digits12.clone());
        }
    }
    assert!(failures.is_empty(), "{} failed", failures.len());
    // Skatteverket's list holds 24 samordningsnummer whose day cannot exist in its month.
    assert_eq!(impossible.len(), 24);
    for digits12 in &impossible {
        let verdict = validate_samordningsnummer(digits12, TODAY).expect("listed");
        assert_eq!(verdict.strength, Some(Strength::Low));
        assert!(verdict.has(Flag::ImpossibleDate));
    }
}

/// personnummer/meta rejects a space separator; piiscan accepts it at low strength, as the
/// Python table documents, so those forms are left out here.
#[test]
fn personnummer_meta_list() {
    for row in json("fixtures/vectors/personnummer/meta_list.json")
        .as_array()
        .expect("a list")
    {
        let valid = row["valid"].as_bool().expect("bool");
        let is_ssn = row["type"] == "ssn";
        for field in [
            "long_format",
            "short_format",
            "separated_format",
            "separated_long",
        ] {
            let candidate = text(&row[field]);
            if candidate.contains(' ') {
                continue;
            }
            let personnummer = validate_personnummer(&candidate, TODAY).is_some();
            let samordningsnummer = validate_samordningsnummer(&candidate, TODAY).is_some();
            let expected = match (valid, is_ssn) {
                (false, _) => (false, false),
                (true, true) => (true, false),
                (true, false) => (false, true),
            };
            assert_eq!((personnummer, samordningsnummer), expected, "{field}");
        }
    }
}

#[test]
fn personnummer_meta_structured() {
    let vectors = json("fixtures/vectors/personnummer/meta_structured.json");
    for (kind, groups) in vectors.as_object().expect("an object") {
        for by_validity in groups.as_object().expect("an object").values() {
            for (validity, values) in by_validity.as_object().expect("an object") {
                for value in values.as_array().expect("a list") {
                    let candidate = text(value);
                    let personnummer = validate_personnummer(&candidate, TODAY);
                    if candidate.contains(' ') {
                        assert_eq!(
                            personnummer.and_then(|verdict| verdict.strength),
                            Some(Strength::Low)
                        );
                        continue;
                    }
                    let samordningsnummer = validate_samordningsnummer(&candidate, TODAY);
                    let (found, other) = if kind == "ssn" {
                        (personnummer, samordningsnummer)
                    } else {
                        (samordningsnummer, personnummer)
                    };
                    assert_eq!(found.is_some(), validity == "valid", "{kind} {validity}");
                    assert!(other.is_none());
                }
            }
        }
    }
}

#[test]
fn interim_and_organisation_numbers_are_not_identity_numbers() {
    let interim = json("fixtures/vectors/personnummer/meta_interim.json");
    let organisations = json("fixtures/vectors/personnummer/meta_orgnumber.json");
    let rows = interim
        .as_array()
        .into_iter()
        .chain(organisations.as_array())
        .flatten();
    for row in rows {
        for field in [
            "long_format",
            "short_format",
            "separated_format",
            "separated_long",
        ] {
            let Some(value) = row.get(field) else {
                continue;
            };
            let candidate = text(value);
            assert!(validate_personnummer(&candidate, TODAY).is_none());
            assert!(validate_samordningsnummer(&candidate, TODAY).is_none());
        }
    }
}

#[test]
fn organisationsnummer_meta_list() {
    for row in json("fixtures/vectors/organisationsnummer/meta_list.json")
        .as_array()
        .expect("a list")
    {
        let enskild_firma = row["type"] == "Enskild firma";
        let valid = row["valid"].as_bool().expect("bool") && !enskild_firma;
        let short_format = text(&row["short_format"]);
        for field in ["input", "long_format", "short_format", "vat_number"] {
            let verdict = validate_organisationsnummer(&text(&row[field]));
            assert_eq!(verdict.is_some(), valid, "{field}");
            if let Some(verdict) = verdict {
                assert_eq!(verdict.normalized, short_format);
            }
        }
    }
}

#[test]
fn bank_accounts() {
    let vectors = json("fixtures/vectors/bank/test_vectors.json");
    for separator in ["-", " ", ", "] {
        for row in vectors["bank_accounts_valid"].as_array().expect("a list") {
            let clearing = text(&row["clearing"]);
            let account = text(&row["account"]);
            let verdict = validate_bank_account(&format!("{clearing}{separator}{account}"), TODAY)
                .expect("a valid account");
            let clearing_digits: String = clearing.chars().filter(char::is_ascii_digit).collect();
            let account_digits: String = account.chars().filter(char::is_ascii_digit).collect();
            assert!(verdict.normalized.starts_with(&clearing_digits[..4]));
            assert!(verdict.normalized.ends_with(&account_digits));
        }
        for row in vectors["bank_accounts_invalid"].as_array().expect("a list") {
            let candidate = format!(
                "{}{separator}{}",
                text(&row["clearing"]),
                text(&row["account"])
            );
            assert!(validate_bank_account(&candidate, TODAY).is_none());
        }
    }
}

#[test]
fn giro_numbers_and_cards() {
    let vectors = json("fixtures/vectors/bank/test_vectors.json");
    let cases: [(&str, Validator); 3] = [
        ("bankgiro", validate_bankgiro),
        ("plusgiro", validate_plusgiro),
        ("cards", validate_card),
    ];
    for (group, validate) in cases {
        for row in vectors[group].as_array().expect("a list") {
            let number = text(&row["number"]);
            let valid = row["valid"].as_bool().expect("bool");
            assert_eq!(validate(&number).is_some(), valid, "{group}");
        }
    }
}
