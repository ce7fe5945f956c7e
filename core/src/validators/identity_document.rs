//! Numbers of Swedish passports and national identity cards, the rules of
//! `piiscan/validators/identity_document.py`.
//!
//! Forms: the eight digits of documents issued before 2022, and the nine-character
//! alphanumeric series of those issued since 1 January 2022 (Polisen, "Nya pass och
//! nationella identitetskort": "Passnumret och identitetskortets nummer består av en
//! alfanumerisk serie på nio tecken istället för den tidigare åttasiffriga serien"). The same
//! series serves both documents, so which one a number belongs to is told by the context word
//! (`passnummer`, `id-kort`), not by the number. Upper or lower case, no separator.
//!
//! The number has no check digit outside the machine-readable zone, so little can be
//! rejected: one digit repeated, eight digits that read as a date (`20300115` after "giltigt
//! till" is an expiry date), and nine characters without both a letter and a digit (nine
//! digits are more often an order or account number than the new series).

use crate::validators::personnummer::days_in_month;
use crate::verdict::{Strength, Verdict};

fn reads_as_date(digits: &[u8]) -> bool {
    let value = |range: std::ops::Range<usize>| {
        digits[range]
            .iter()
            .fold(0_u32, |total, digit| total * 10 + u32::from(digit - b'0'))
    };
    let (year, month, day) = (value(0..4), value(4..6), value(6..8));
    (1900..=2099).contains(&year)
        && (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year as i32, month)
}

/// Validate a passport or national identity card number; `normalized` is it upper-cased.
///
/// Strength low: an eight-digit number is anything until a passport or ID-card word says
/// otherwise.
pub fn validate_identity_document(candidate: &str) -> Option<Verdict> {
    let bytes = candidate.as_bytes();
    if !bytes.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let accepted = match bytes.len() {
        8 => {
            bytes.iter().all(u8::is_ascii_digit)
                && bytes.iter().any(|&digit| digit != bytes[0])
                && !reads_as_date(bytes)
        }
        9 => bytes.iter().any(u8::is_ascii_digit) && bytes.iter().any(u8::is_ascii_alphabetic),
        _ => false,
    };
    accepted.then(|| Verdict::new(candidate.to_ascii_uppercase(), Strength::Low, Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(candidate: &str) -> Option<String> {
        validate_identity_document(candidate).map(|verdict| verdict.normalized)
    }

    #[test]
    fn forms() {
        for (written, number) in [
            ("12345678", "12345678"),
            ("87654321", "87654321"),
            ("AA1234567", "AA1234567"),
            ("aa1234567", "AA1234567"),
            ("XP4K7L2M9", "XP4K7L2M9"),
            ("19851301", "19851301"),
        ] {
            assert_eq!(read(written), Some(number.into()), "{written}");
        }
    }

    #[test]
    fn rejected() {
        for rejected in [
            "00000000",
            "11111111",
            "20300115",
            "19850601",
            "1234567",
            "123456789",
            "ABCDEFGHI",
            "1234 5678",
            "1234-5678",
            "AB12345678",
            "ÅÄ1234567",
            "",
        ] {
            assert_eq!(read(rejected), None, "{rejected:?}");
        }
    }
}
