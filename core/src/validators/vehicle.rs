//! Swedish vehicle registration numbers (registreringsnummer), the rules of
//! `piiscan/validators/vehicle.py`.
//!
//! Forms: three letters and three digits (`ABC 123`), or since 2019 three letters, two digits
//! and a letter (`ABC 12A`), written with a space, a dash or nothing between the halves.
//! Personal plates (`SONNY`) are free text and not recognised.
//!
//! Rejected, as Transportstyrelsen never issues them:
//!
//! * the letters I, Q and V anywhere, and Å, Ä, Ö (they are confused with 1, O, U and A/O);
//!   a final letter O (it reads as the digit 0);
//! * letter combinations the agency bars from use: words that can offend, sexual or drug
//!   terms, some organisations' abbreviations, and number words (Transportstyrelsen press
//!   release "DYR, GUB, REA & USH – tillbaka i cirkulation", 21 October 2010, which names the
//!   five reasons with examples); the list below is the combinations named there and in the
//!   English Wikipedia article "Vehicle registration plates of Sweden" (retrieved 2026),
//!   which cites the agency, plus `MLB`, which the agency reserves for examples and
//!   advertising. The agency does not publish its full list; a barred combination missing
//!   here is merely reported, never a real one refused.

use crate::verdict::{Strength, Verdict};

/// Letter combinations Transportstyrelsen does not issue (see the module comment).
const BARRED: &[&str] = &[
    "APA", "ARG", "BSS", "DUM", "ETA", "FAN", "FEG", "FEL", "FEM", "FUL", "GAY", "GHB", "HOT",
    "KKK", "LAT", "LEM", "LSD", "MLB", "NRP", "NYP", "OND", "RAP", "SEX", "SJU", "SUP", "TOA",
    "TRE", "UFO", "USA", "XTC", "XXL",
];

/// True for a letter Transportstyrelsen uses in the three-letter part.
fn is_plate_letter(character: char) -> bool {
    character.is_ascii_uppercase() && !matches!(character, 'I' | 'Q' | 'V')
}

/// True when `letters` (three plate letters) is a barred combination.
pub fn is_barred(letters: &str) -> bool {
    BARRED.contains(&letters)
}

/// Validate a registration number; `normalized` is the six characters without separator.
///
/// Strength low: three letters and three digits are common in other codes (product codes,
/// course codes, flight numbers), so a vehicle word must be near.
pub fn validate_vehicle_registration(candidate: &str) -> Option<Verdict> {
    let characters: Vec<char> = candidate.chars().collect();
    let plate: Vec<char> = match characters.as_slice() {
        [a, b, c, ' ' | '-', rest @ ..] | [a, b, c, rest @ ..] if rest.len() == 3 => [*a, *b, *c]
            .into_iter()
            .chain(rest.iter().copied())
            .collect(),
        _ => return None,
    };
    let (letters, tail) = plate.split_at(3);
    if !letters.iter().all(|&c| is_plate_letter(c)) {
        return None;
    }
    let last = tail[2];
    let shaped = tail[0].is_ascii_digit()
        && tail[1].is_ascii_digit()
        && (last.is_ascii_digit() || (is_plate_letter(last) && last != 'O'));
    let letters: String = letters.iter().collect();
    if !shaped || is_barred(&letters) {
        return None;
    }
    Some(Verdict::new(
        plate.into_iter().collect(),
        Strength::Low,
        Vec::new(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(candidate: &str) -> Option<String> {
        validate_vehicle_registration(candidate).map(|verdict| verdict.normalized)
    }

    #[test]
    fn forms() {
        for (written, plate) in [
            ("ABC 123", "ABC123"),
            ("ABC123", "ABC123"),
            ("ABC-123", "ABC123"),
            ("WER 84A", "WER84A"),
            ("XYZ 001", "XYZ001"),
            ("DYR 123", "DYR123"),
        ] {
            assert_eq!(read(written), Some(plate.into()), "{written}");
        }
    }

    #[test]
    fn unused_letters_and_barred_combinations_are_rejected() {
        for rejected in [
            "IBM 123",
            "QRS 123",
            "VOL 123",
            "ÅÄÖ 123",
            "ABÖ 123",
            "ABC 12O",
            "ABC 12I",
            "KKK 123",
            "SEX 666",
            "MLB 84A",
            "FEM 555",
            "abc 123",
            "ABC  123",
            "ABC 1234",
            "AB 123",
            "ABC 1A3",
            "ABC_123",
            "",
        ] {
            assert_eq!(read(rejected), None, "{rejected:?}");
        }
    }
}
