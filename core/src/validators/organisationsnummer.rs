//! Organisationsnummer (SKV 709) and Swedish VAT numbers, the rules of
//! `piiscan/validators/organisationsnummer.py`.
//!
//! Forms: `NNNNNN-NNNN`, ten bare digits, the `16` prefix (`16NNNNNNNNNN`, `16NNNNNN-NNNN`) and
//! the VAT number `SE` + ten digits + `01` with single optional spaces (`SE 556016-0680 01`).
//! Rejected: group digit 0 or 4, a third digit below 2 (that would read as a personnummer
//! month), a failing Luhn check.

use crate::checksums::luhn;
use crate::verdict::{Strength, Verdict};

/// Group digits that are issued (0 and 4 never are).
const GROUP_DIGITS: &[u8] = b"12356789";

/// Published fictitious organisations (Skatteverket's Navet test certificate, "Kommun A").
const TEST_NUMBERS: &[&str] = &["2021004748"];

/// True when ten digits satisfy the organisationsnummer rules.
pub fn is_organisationsnummer(digits10: &str) -> bool {
    let bytes = digits10.as_bytes();
    bytes.len() == 10
        && bytes.iter().all(u8::is_ascii_digit)
        && GROUP_DIGITS.contains(&bytes[0])
        && bytes[2] >= b'2'
        && luhn(digits10)
}

/// A cursor over the bytes of a candidate, for shapes simple enough to read left to right.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Self {
        Reader {
            bytes: text.as_bytes(),
            at: 0,
        }
    }

    /// Consume `literal` if it comes next.
    fn eat(&mut self, literal: &[u8]) -> bool {
        let found = self.bytes[self.at..].starts_with(literal);
        if found {
            self.at += literal.len();
        }
        found
    }

    /// Consume one of `choices` if it comes next.
    fn eat_one_of(&mut self, choices: &[u8]) -> bool {
        match self.bytes.get(self.at) {
            Some(byte) if choices.contains(byte) => {
                self.at += 1;
                true
            }
            _ => false,
        }
    }

    /// Consume exactly `count` ASCII digits and return them.
    fn digits(&mut self, count: usize) -> Option<&'a [u8]> {
        let run = self.bytes.get(self.at..self.at + count)?;
        if !run.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.at += count;
        Some(run)
    }

    fn at_end(&self) -> bool {
        self.at == self.bytes.len()
    }
}

/// The ten digits of `NNNNNN[sep]NNNN`, where `separators` lists what may stand between.
fn ten_digits(reader: &mut Reader<'_>, separators: &[u8]) -> Option<(String, bool)> {
    let head = reader.digits(6)?;
    let separated = reader.eat_one_of(separators);
    let tail = reader.digits(4)?;
    let mut digits = String::with_capacity(10);
    digits.extend(head.iter().chain(tail).map(|&byte| char::from(byte)));
    Some((digits, separated))
}

/// `SE ?NNNNNN[- ]?NNNN ?01`: the ten digits, whatever their Luhn says.
fn vat_digits(candidate: &str) -> Option<String> {
    let mut reader = Reader::new(candidate);
    if !reader.eat(b"SE") {
        return None;
    }
    reader.eat(b" ");
    let (digits, _) = ten_digits(&mut reader, b"- ")?;
    reader.eat(b" ");
    (reader.eat(b"01") && reader.at_end()).then_some(digits)
}

/// The ten digits inside a Swedish VAT number `SE NNNNNNNNNN 01`, if their Luhn holds.
///
/// The digits may be an organisationsnummer or, for an enskild firma, a personnummer or
/// samordningsnummer; the caller decides which validator to apply next.
pub fn parse_vat_number(candidate: &str) -> Option<String> {
    vat_digits(candidate).filter(|digits| luhn(digits))
}

/// `(16)?NNNNNN-?NNNN`: the ten digits and whether the prefix or the dash was written.
fn plain_digits(candidate: &str) -> Option<(String, bool)> {
    let read = |prefixed: bool| {
        let mut reader = Reader::new(candidate);
        if prefixed && !reader.eat(b"16") {
            return None;
        }
        let (digits, dashed) = ten_digits(&mut reader, b"-")?;
        reader.at_end().then_some((digits, prefixed || dashed))
    };
    read(true).or_else(|| read(false))
}

/// Validate an organisationsnummer in any of its written forms; `normalized` is the ten digits.
///
/// Strength: the VAT form high; the dashed or `16`-prefixed form medium; a bare ten-digit run
/// low (7 % of random ten-digit strings pass). Flag `test_identity` for published fictitious
/// organisations.
pub fn validate_organisationsnummer(candidate: &str) -> Option<Verdict> {
    let (digits, strength) = match vat_digits(candidate) {
        Some(digits) => (digits, Strength::High),
        None => {
            let (digits, framed) = plain_digits(candidate)?;
            let strength = if framed {
                Strength::Medium
            } else {
                Strength::Low
            };
            (digits, strength)
        }
    };
    if !is_organisationsnummer(&digits) {
        return None;
    }
    let is_test = TEST_NUMBERS.contains(&digits.as_str());
    Some(Verdict::with_test_flag(digits, strength, is_test))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_forms() {
        let strength = |candidate| validate_organisationsnummer(candidate).and_then(|v| v.strength);
        assert_eq!(strength("5560160680"), Some(Strength::Low));
        assert_eq!(strength("556016-0680"), Some(Strength::Medium));
        assert_eq!(strength("165560160680"), Some(Strength::Medium));
        assert_eq!(strength("16556016-0680"), Some(Strength::Medium));
        assert_eq!(strength("SE556016068001"), Some(Strength::High));
        assert_eq!(strength("SE 556016-0680 01"), Some(Strength::High));
        assert_eq!(strength("se556016068001"), None);
        assert_eq!(strength("SE55601606800"), None);
        assert_eq!(strength("556016-06801"), None);
        assert_eq!(strength(""), None);
    }

    #[test]
    fn rules() {
        assert!(is_organisationsnummer("5560160680"));
        assert!(!is_organisationsnummer("4560160680"));
        assert!(!is_organisationsnummer("5510160680"));
        assert!(!is_organisationsnummer("5560160681"));
        assert!(!is_organisationsnummer("556016068"));
    }

    #[test]
    fn vat_number_of_an_enskild_firma() {
        assert_eq!(
            parse_vat_number("SE850601238701").as_deref(),
            Some("8506012387")
        );
        assert_eq!(parse_vat_number("SE850601238801"), None);
    }
}
