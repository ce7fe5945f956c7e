//! Swedish bank data: bankgiro, plusgiro and bank accounts (clearing + account), the rules of
//! `piiscan/validators/bank.py` (its module docstring lists the account rules per range).
//!
//! The clearing ranges are `src/piiscan/data/clearing_ranges.psv` (Bankinfrastruktur/BankData,
//! MIT), compiled into the core from the same file the Python package ships.

use std::sync::OnceLock;

use crate::checksums::{luhn, mod11, mod11_joined};
use crate::text::collapse_spaces;
use crate::validators::personnummer::{parse_identity_number, Date};
use crate::verdict::{Flag, Strength, Verdict};

const CLEARING_RANGES: &str = include_str!("../../../src/piiscan/data/clearing_ranges.psv");

/// Bankgirot's published test number 991-2346.
const TEST_BANKGIRO: &[&str] = &["9912346"];
/// Nordea Total-IN test files, 920100-5.
const TEST_PLUSGIRO: &[&str] = &["9201005"];
/// Swedbank's Validex test account (IBAN SE42 8000 0890 1191 4616 8423), as normalised here.
const TEST_ACCOUNTS: &[&str] = &["89019146168423"];
/// Nordea personkonto: the account number is the holder's personnummer.
const PERSONKONTO_CLEARINGS: &[&str] = &["3300", "3782"];

/// One row of `clearing_ranges.psv`: a clearing-number range and its account rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClearingRange {
    pub start: u32,
    pub end: u32,
    pub iban_id: &'static str,
    pub bic: &'static str,
    pub bank: &'static str,
    /// `Type1` or `Type2`.
    pub account_type: &'static str,
    /// `Comment1`, `Comment2` or `Comment3`.
    pub check: &'static str,
    pub iban_method: &'static str,
    /// The shortest account number accepted (zero-padded to `length`).
    pub min_length: usize,
    /// The full account number length.
    pub length: usize,
}

fn parse_range(line: &'static str) -> Option<ClearingRange> {
    let fields: Vec<&'static str> = line.split('|').collect();
    let [start, end, iban_id, bic, bank, account_type, check, iban_method, min_length, length] =
        fields.as_slice()
    else {
        return None;
    };
    Some(ClearingRange {
        start: start.parse().ok()?,
        end: end.parse().ok()?,
        iban_id,
        bic,
        bank,
        account_type,
        check,
        iban_method,
        min_length: min_length.parse().ok()?,
        length: length.parse().ok()?,
    })
}

/// Every row of the bundled table (comments and blank lines skipped).
pub fn clearing_ranges() -> &'static [ClearingRange] {
    static RANGES: OnceLock<Vec<ClearingRange>> = OnceLock::new();
    RANGES.get_or_init(|| {
        CLEARING_RANGES
            .lines()
            .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
            .filter_map(parse_range)
            .collect()
    })
}

/// The range a clearing number belongs to: four digits, or five for Swedbank's 8xxx-x (the
/// fifth is ignored here).
pub fn clearing_range(clearing: &str) -> Option<&'static ClearingRange> {
    if !matches!(clearing.len(), 4 | 5) || !clearing.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let number: u32 = clearing[..4].parse().ok()?;
    clearing_ranges()
        .iter()
        .find(|row| row.start <= number && number <= row.end)
}

/// The name of the bank that owns a clearing number.
pub fn bank_for_clearing(clearing: &str) -> Option<&'static str> {
    clearing_range(clearing).map(|row| row.bank)
}

fn account_check(row: &ClearingRange, clearing4: &str, account: &str) -> bool {
    if row.account_type == "Type1" {
        let payload = if row.check == "Comment1" {
            &clearing4[1..]
        } else {
            clearing4
        };
        return mod11_joined(&[payload, account]);
    }
    if row.check == "Comment2" {
        mod11(account)
    } else {
        luhn(account)
    }
}

fn is_word_character(character: char) -> bool {
    character.is_alphanumeric() || character == '_'
}

/// Words that name the parts of an account in text ("1274, konto 0235305"), longest first so
/// that `kontonummer` is not read as `konto` + `nummer`.
const ACCOUNT_LABELS: &[&str] = &["kontonummer", "kontonr", "konto", "nr"];

/// True when `label` (lower-case ASCII) is written at `at`, in any case, and ends a word.
fn label_at(characters: &[char], at: usize, label: &str) -> bool {
    let end = at + label.len();
    let Some(written) = characters.get(at..end) else {
        return false;
    };
    let same_letters = written
        .iter()
        .zip(label.chars())
        .all(|(&character, expected)| character.to_lowercase().eq(std::iter::once(expected)));
    same_letters && !characters.get(end).copied().is_some_and(is_word_character)
}

/// `candidate` with every whole-word account label (and a `.`/`:` after it) replaced by a
/// space, case-insensitively, as `re.sub(r"(?i)\b(?:kontonummer|kontonr|konto|nr)\b\.?:?")`.
fn without_account_labels(candidate: &str) -> String {
    let characters: Vec<char> = candidate.chars().collect();
    let mut kept = String::with_capacity(candidate.len());
    let mut at = 0;
    while at < characters.len() {
        let starts_word = !at
            .checked_sub(1)
            .is_some_and(|before| is_word_character(characters[before]));
        let label_length = if starts_word {
            ACCOUNT_LABELS
                .iter()
                .find(|label| label_at(&characters, at, label))
                .map(|label| label.len())
        } else {
            None
        };
        match label_length {
            Some(length) => {
                at += length;
                if characters.get(at) == Some(&'.') {
                    at += 1;
                }
                if characters.get(at) == Some(&':') {
                    at += 1;
                }
                kept.push(' ');
            }
            None => {
                kept.push(characters[at]);
                at += 1;
            }
        }
    }
    kept
}

/// `[0-9]+((, ?|[ .-])[0-9]+)*`: digit groups joined by one separator each.
fn is_account_shape(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    loop {
        let run = bytes[at..]
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        if run == 0 {
            return false;
        }
        at += run;
        match bytes.get(at) {
            None => return true,
            Some(b',') => {
                at += 1;
                if bytes.get(at) == Some(&b' ') {
                    at += 1;
                }
            }
            Some(b' ' | b'.' | b'-') => at += 1,
            Some(_) => return false,
        }
    }
}

/// Validate a Swedish bank account written as clearing number + account number.
///
/// `normalized` is the 4-digit clearing number followed by the account zero-padded to its full
/// length. Strength medium when the account is written at its full length or with Swedbank's
/// 5-digit clearing (two checks), low when it had to be padded. Flags `personnummer_account`
/// (a Nordea personkonto whose account is a personnummer, judged against `today`) and
/// `test_identity` (Swedbank's Validex test account).
pub fn validate_bank_account(candidate: &str, today: Date) -> Option<Verdict> {
    // "1274, konto 0235305" and "clearingnr 1274 kontonr 0235305" name the parts in words.
    // A candidate already in the account's shape (most are) holds no label and no space to
    // collapse: it is read as written, nothing copied.
    let collapsed = if is_account_shape(candidate) {
        std::borrow::Cow::Borrowed(candidate)
    } else {
        let collapsed = collapse_spaces(&without_account_labels(candidate));
        if !is_account_shape(&collapsed) {
            return None;
        }
        std::borrow::Cow::Owned(collapsed)
    };
    let digits: String = collapsed.chars().filter(char::is_ascii_digit).collect();
    // Swedbank's clearing numbers 8xxx are written with a fifth, check digit.
    let clearing_length = if digits.starts_with('8') { 5 } else { 4 };
    let (clearing, account) = digits.split_at(clearing_length.min(digits.len()));
    let row = clearing_range(clearing)?;
    if !(row.min_length..=row.length).contains(&account.len()) {
        return None;
    }
    if clearing_length == 5 && !luhn(clearing) {
        return None;
    }
    let clearing4 = &clearing[..4];
    // `format!("{account:0>width$}")` without the formatting machinery.
    let mut padded = String::with_capacity(row.length);
    padded.extend(std::iter::repeat('0').take(row.length.saturating_sub(account.len())));
    padded.push_str(account);
    if !account_check(row, clearing4, &padded) {
        return None;
    }
    let full = account.len() == row.length || clearing_length == 5;
    let mut flags = Vec::new();
    if PERSONKONTO_CLEARINGS.contains(&clearing4) && parse_identity_number(&padded, today).is_some()
    {
        flags.push(Flag::PersonnummerAccount);
    }
    let mut normalized = String::with_capacity(clearing4.len() + padded.len());
    normalized.push_str(clearing4);
    normalized.push_str(&padded);
    if TEST_ACCOUNTS.contains(&normalized.as_str()) {
        flags.push(Flag::TestIdentity);
    }
    let strength = if full {
        Strength::Medium
    } else {
        Strength::Low
    };
    Some(Verdict::new(normalized, strength, flags))
}

/// Validate a bankgiro number (`NNN-NNNN`, `NNNN-NNNN` or 7-8 bare digits, Luhn over all).
///
/// `normalized` is the digits without fixed-width zero padding. Strength low: OCR payment
/// references use the same Luhn check. Flag `test_identity` for Bankgirot's 991-2346.
pub fn validate_bankgiro(candidate: &str) -> Option<Verdict> {
    let bytes = candidate.as_bytes();
    let all_digits = |part: &[u8]| part.iter().all(u8::is_ascii_digit);
    let shaped = match bytes.iter().position(|&byte| byte == b'-') {
        Some(dash @ (3 | 4)) => {
            bytes.len() == dash + 5 && all_digits(&bytes[..dash]) && all_digits(&bytes[dash + 1..])
        }
        Some(_) => false,
        None => matches!(bytes.len(), 7 | 8) && all_digits(bytes),
    };
    if !shaped {
        return None;
    }
    let mut digits = candidate.replace('-', "");
    if digits.len() == 8 && digits.starts_with('0') {
        digits.remove(0); // zero-padded to fixed width in payment files
    }
    if digits.starts_with('0') || !luhn(&digits) {
        return None;
    }
    let is_test = TEST_BANKGIRO.contains(&digits.as_str());
    Some(Verdict::with_test_flag(digits, Strength::Low, is_test))
}

/// The body of a plusgiro number: 1-7 digits, or 1-3 digits followed by space-separated pairs.
fn plusgiro_body(body: &str) -> Option<String> {
    let bytes = body.as_bytes();
    let all_digits = |part: &[u8]| !part.is_empty() && part.iter().all(u8::is_ascii_digit);
    if bytes.len() <= 7 && all_digits(bytes) {
        return Some(body.to_owned());
    }
    let mut parts = body.split(' ');
    let first = parts.next()?;
    if first.len() > 3 || !all_digits(first.as_bytes()) {
        return None;
    }
    let mut digits = first.to_owned();
    let mut pairs = 0;
    for pair in parts {
        if pair.len() != 2 || !all_digits(pair.as_bytes()) {
            return None;
        }
        digits.push_str(pair);
        pairs += 1;
    }
    (pairs > 0).then_some(digits)
}

/// Validate a plusgiro number (2-8 digits, Luhn over all of them, the last after a dash).
///
/// `normalized` is the digits. Strength low, as for bankgiro. Flag `test_identity` for
/// Nordea's test number 920100-5.
pub fn validate_plusgiro(candidate: &str) -> Option<Verdict> {
    let (body, check) = candidate.rsplit_once('-')?;
    if check.len() != 1 || !check.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let digits = plusgiro_body(body)? + check;
    if !(2..=8).contains(&digits.len()) || digits.starts_with('0') || !luhn(&digits) {
        return None;
    }
    let is_test = TEST_PLUSGIRO.contains(&digits.as_str());
    Some(Verdict::with_test_flag(digits, Strength::Low, is_test))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = Date {
        year: 2026,
        month: 11,
        day: 21,
    };

    fn account(candidate: &str) -> Option<(String, Option<Strength>, Vec<Flag>)> {
        validate_bank_account(candidate, TODAY).map(|v| (v.normalized, v.strength, v.flags))
    }

    #[test]
    fn the_table_loads_every_range() {
        assert_eq!(clearing_ranges().len(), 53);
        assert_eq!(bank_for_clearing("83279"), Some("Swedbank"));
        assert_eq!(bank_for_clearing("9650"), None);
        assert_eq!(bank_for_clearing("12"), None);
        assert_eq!(bank_for_clearing("１２７４"), None);
    }

    #[test]
    fn account_forms() {
        assert_eq!(
            account("1274-0235305"),
            Some(("12740235305".into(), Some(Strength::Medium), vec![]))
        );
        assert_eq!(
            account("3300 101010-1010"),
            Some((
                "33001010101010".into(),
                Some(Strength::Medium),
                vec![Flag::PersonnummerAccount]
            ))
        );
        assert_eq!(
            account("6114 5171822"),
            Some(("6114005171822".into(), Some(Strength::Low), vec![]))
        );
        assert_eq!(
            account("1274, Konto: 0235305").map(|found| found.0),
            Some("12740235305".into())
        );
        assert_eq!(
            account("8901-1, 914 616 842-3").map(|found| found.2),
            Some(vec![Flag::TestIdentity])
        );
        for rejected in [
            "1274--0235305",
            "1274/0235305",
            "0274-0235305",
            "",
            "8",
            "kontonr",
        ] {
            assert_eq!(account(rejected), None, "{rejected:?}");
        }
    }

    #[test]
    fn labels_only_as_whole_words() {
        assert_eq!(without_account_labels("kontonr 1274"), "  1274");
        assert_eq!(without_account_labels("nr. 1"), "  1");
        assert_eq!(without_account_labels("konton 1"), "konton 1");
        assert_eq!(without_account_labels("KONTONUMMER: 1"), "  1");
    }

    #[test]
    fn giro_numbers() {
        let normalized = |verdict: Option<Verdict>| verdict.map(|v| v.normalized);
        assert_eq!(
            normalized(validate_bankgiro("0991-2346")).as_deref(),
            Some("9912346")
        );
        assert_eq!(
            normalized(validate_bankgiro("5402-9681")).as_deref(),
            Some("54029681")
        );
        for rejected in ["99-12346", "991 2346", "00991-2346", "", "-"] {
            assert!(validate_bankgiro(rejected).is_none(), "{rejected:?}");
        }
        assert_eq!(
            normalized(validate_plusgiro("92 01 00-5")).as_deref(),
            Some("9201005")
        );
        assert_eq!(
            normalized(validate_plusgiro("410 54 68-5")).as_deref(),
            Some("41054685")
        );
        assert_eq!(normalized(validate_plusgiro("4-2")).as_deref(), Some("42"));
        for rejected in [
            "-5",
            "1234 56-7",
            "12 3-4",
            "9201005",
            "920100-55",
            "12345678-9",
        ] {
            assert!(validate_plusgiro(rejected).is_none(), "{rejected:?}");
        }
    }
}
