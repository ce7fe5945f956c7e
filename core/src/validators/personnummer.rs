//! Personnummer and samordningsnummer, the rules of `piiscan/validators/personnummer.py`
//! (whose module docstring explains each of them and now wraps this module).
//!
//! Forms: `YYMMDD-NNNC`, `YYMMDD+NNNC`, `YYMMDDNNNC`, `YYYYMMDDNNNC`, `YYYYMMDD-NNNC` (also a
//! redundant `+`) and a single space as separator. Rejected: a failing Luhn check over the ten
//! digits `YYMMDDNNNC`, serial `000`, a century other than 18-20, a date that does not exist or
//! lies in the future, a day outside 01-31 / 61-91. Samordningsnummer may have month `00` or
//! day `60` (unknown parts) and, as in Skatteverket's own test list, a day that cannot exist in
//! its month (flag `impossible_date`, strength low).

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::checksums::luhn_joined;
use crate::verdict::{Flag, Strength, Verdict};

/// Samordningsnummer: day of birth + 60.
const DAY_OFFSET: u32 = 60;

/// A calendar date without time zone: the reference "today" and birth dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

/// Which of the two numbers a parse found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Personnummer,
    Samordningsnummer,
}

impl Kind {
    /// The kind's name as the Python API spells it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Personnummer => "personnummer",
            Kind::Samordningsnummer => "samordningsnummer",
        }
    }
}

/// A parsed, century-resolved personnummer or samordningsnummer.
///
/// `Debug` leaves out the digits and the date: they must never reach a log.
#[derive(Clone, PartialEq, Eq)]
pub struct IdentityNumber {
    /// `CCYYMMDDNNNC`, the canonical storage form.
    pub digits12: String,
    pub kind: Kind,
    /// The encoded date; `None` when the month or day is unknown or the date is impossible.
    pub birth_date: Option<Date>,
    /// A samordningsnummer naming a day that does not exist (31 April).
    pub impossible_date: bool,
    /// `-`, `+`, ` ` or empty, as written.
    pub separator: &'static str,
    /// The input had 12 digits, so the century was written, not inferred.
    pub explicit_century: bool,
}

impl IdentityNumber {
    /// True when the month or the day is unknown (`00` / day `60`) in a samordningsnummer.
    pub fn partial_date(&self) -> bool {
        let digits = self.digits12.as_bytes();
        &digits[4..6] == b"00" || &digits[6..8] == b"60"
    }
}

impl std::fmt::Debug for IdentityNumber {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("IdentityNumber")
            .field("kind", &self.kind)
            .field("impossible_date", &self.impossible_date)
            .field("separator", &self.separator)
            .field("explicit_century", &self.explicit_century)
            .finish_non_exhaustive()
    }
}

/// The written parts of a number whose shape fits; nothing is checked beyond the shape.
struct Shape<'a> {
    century: Option<&'a str>,
    date: &'a str,
    separator: &'static str,
    serial_and_check: &'a str,
}

fn all_ascii_digits(text: &str) -> bool {
    text.bytes().all(|byte| byte.is_ascii_digit())
}

fn separator_at(text: &str, index: usize) -> Option<&'static str> {
    match text.as_bytes().get(index) {
        Some(b'-') => Some("-"),
        Some(b'+') => Some("+"),
        Some(b' ') => Some(" "),
        _ => None,
    }
}

/// `(CC)YYMMDD[-+ ]NNNC`: ten or twelve digits, an optional separator before the last four.
fn shape(candidate: &str) -> Option<Shape<'_>> {
    if !candidate.is_ascii() {
        return None;
    }
    let (digits_before_serial, separator) = match candidate.len() {
        10 => (6, ""),
        11 => (6, separator_at(candidate, 6)?),
        12 => (8, ""),
        13 => (8, separator_at(candidate, 8)?),
        _ => return None,
    };
    let head = &candidate[..digits_before_serial];
    let tail = &candidate[digits_before_serial + separator.len()..];
    if !all_ascii_digits(head) || !all_ascii_digits(tail) || tail.len() != 4 {
        return None;
    }
    let (century, date) = if digits_before_serial == 8 {
        (Some(&head[..2]), &head[2..])
    } else {
        (None, head)
    };
    Some(Shape {
        century,
        date,
        separator,
        serial_and_check: tail,
    })
}

fn two_digits(text: &str, at: usize) -> u32 {
    text.as_bytes()[at..at + 2]
        .iter()
        .fold(0, |value, byte| value * 10 + u32::from(byte - b'0'))
}

/// Days in `month` (1-12) of `year`, Gregorian.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parse a personnummer or samordningsnummer as written in text.
///
/// `today` is the reference date for century inference and the future-date check.
pub fn parse_identity_number(candidate: &str, today: Date) -> Option<IdentityNumber> {
    let shape = shape(candidate)?;
    let serial = &shape.serial_and_check[..3];
    if serial == "000" || !luhn_joined(&[shape.date, shape.serial_and_check]) {
        return None;
    }
    let yy = two_digits(shape.date, 0) as i32;
    let year = match shape.century {
        Some(century @ ("18" | "19" | "20")) => two_digits(century, 0) as i32 * 100 + yy,
        Some(_) => return None,
        None => {
            let year = today.year - (today.year - yy).rem_euclid(100);
            if shape.separator == "+" {
                year - 100
            } else {
                year
            }
        }
    };
    let month = two_digits(shape.date, 2);
    let day_field = two_digits(shape.date, 4);
    let (kind, day) = if (1..=31).contains(&day_field) {
        (Kind::Personnummer, day_field)
    } else if (DAY_OFFSET..=DAY_OFFSET + 31).contains(&day_field) {
        (Kind::Samordningsnummer, day_field - DAY_OFFSET)
    } else {
        return None;
    };
    if month > 12 || (month == 0 && kind == Kind::Personnummer) {
        return None;
    }

    let mut birth_date = None;
    let mut impossible_date = false;
    if month == 0 || day == 0 {
        // Unknown parts: only what is known can lie in the future.
        let known_month = if month == 0 { 0 } else { today.month };
        if (year, month) > (today.year, known_month) {
            return None;
        }
    } else if day > days_in_month(year, month) {
        if kind == Kind::Personnummer {
            return None;
        }
        impossible_date = true;
        if (year, month) > (today.year, today.month) {
            return None;
        }
    } else {
        let date = Date { year, month, day };
        if date > today {
            return None;
        }
        birth_date = Some(date);
    }
    Some(IdentityNumber {
        digits12: format!("{year:04}{}{}", &shape.date[2..], shape.serial_and_check),
        kind,
        birth_date,
        impossible_date,
        separator: shape.separator,
        explicit_century: shape.century.is_some(),
    })
}

const TEST_PERSONNUMMER: &str =
    include_str!("../../../src/piiscan/data/skatteverket_testpersonnummer.txt");
const TEST_SAMORDNINGSNUMMER: &str =
    include_str!("../../../src/piiscan/data/skatteverket_testsamordningsnummer.txt");

fn skatteverket_test_numbers() -> &'static HashSet<&'static str> {
    static NUMBERS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    NUMBERS.get_or_init(|| {
        TEST_PERSONNUMMER
            .lines()
            .chain(TEST_SAMORDNINGSNUMMER.lines())
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect()
    })
}

/// True when `digits12` (`CCYYMMDDNNNC`) is in Skatteverket's published test personnummer or
/// samordningsnummer (bundled open data, CC0, compiled into the core).
pub fn is_skatteverket_test_number(digits12: &str) -> bool {
    skatteverket_test_numbers().contains(digits12)
}

fn strength(identity: &IdentityNumber) -> Strength {
    if identity.impossible_date || identity.separator == " " {
        return Strength::Low;
    }
    let strength = if identity.explicit_century {
        Strength::High
    } else if !identity.separator.is_empty() {
        Strength::Medium
    } else {
        // About 0.75 % of random 10-digit strings pass, and mobile numbers of people born
        // 2000-09 look the same: a bare 10-digit run proves little on its own.
        return Strength::Low;
    };
    if identity.kind == Kind::Samordningsnummer && identity.partial_date() {
        // Month 00 / day 60 removes part of the date check, so the form proves less.
        return strength.min(Strength::Medium);
    }
    strength
}

fn verdict(identity: IdentityNumber) -> Verdict {
    let mut flags = Vec::new();
    if identity.impossible_date {
        flags.push(Flag::ImpossibleDate);
    }
    if is_skatteverket_test_number(&identity.digits12) {
        flags.push(Flag::TestIdentity);
    }
    let strength = strength(&identity);
    Verdict::new(identity.digits12, strength, flags)
}

/// Validate a personnummer (not a samordningsnummer); `normalized` is `CCYYMMDDNNNC`.
///
/// Strength: 12-digit forms high; 10 digits with `-`/`+` medium; a space separator or a bare
/// 10-digit run low. Flag `test_identity` for a Skatteverket test number.
pub fn validate_personnummer(candidate: &str, today: Date) -> Option<Verdict> {
    parse_identity_number(candidate, today)
        .filter(|identity| identity.kind == Kind::Personnummer)
        .map(verdict)
}

/// Validate a samordningsnummer (day of birth + 60); `normalized` is `CCYYMMDDNNNC`.
///
/// Strength as for [`validate_personnummer`], except that month `00` / day `60` caps it at
/// medium and an impossible date gives low with the flag `impossible_date`.
pub fn validate_samordningsnummer(candidate: &str, today: Date) -> Option<Verdict> {
    parse_identity_number(candidate, today)
        .filter(|identity| identity.kind == Kind::Samordningsnummer)
        .map(verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = Date {
        year: 2026,
        month: 11,
        day: 21,
    };

    fn strength_of(candidate: &str) -> Option<Strength> {
        validate_personnummer(candidate, TODAY).and_then(|verdict| verdict.strength)
    }

    #[test]
    fn forms_and_strength() {
        assert_eq!(strength_of("198506012387"), Some(Strength::High));
        assert_eq!(strength_of("19850601-2387"), Some(Strength::High));
        assert_eq!(strength_of("850601-2387"), Some(Strength::Medium));
        assert_eq!(strength_of("8506012387"), Some(Strength::Low));
        assert_eq!(strength_of("850601 2387"), Some(Strength::Low));
        let verdict = validate_personnummer("000101+9801", TODAY).expect("valid");
        assert_eq!(verdict.normalized, "190001019801");
    }

    #[test]
    fn rejects_malformed_and_impossible() {
        for candidate in [
            "850601--2387",
            "8506012387 ",
            "85O6012387",
            "８５０６０１２３８７",
            "178506012387",
            "198506012388",
            "850230-2386",
            "201509160006",
            "850632-2383",
            "850001-2388",
            "261231-2384",
            "1985060123870",
            "",
            "-",
        ] {
            assert!(
                validate_personnummer(candidate, TODAY).is_none(),
                "{candidate}"
            );
            assert!(
                validate_samordningsnummer(candidate, TODAY).is_none(),
                "{candidate}"
            );
        }
    }

    #[test]
    fn century_from_separator_and_today() {
        let year = |candidate: &str, today: Date| {
            parse_identity_number(candidate, today)
                .map(|identity| identity.digits12[..4].to_owned())
        };
        assert_eq!(year("850601-2387", TODAY).as_deref(), Some("1985"));
        assert_eq!(year("850601+2387", TODAY).as_deref(), Some("1885"));
        let next_century = Date {
            year: 2100,
            month: 6,
            day: 1,
        };
        assert_eq!(year("000101-9801", next_century).as_deref(), Some("2100"));
    }

    #[test]
    fn impossible_samordningsnummer_is_low_and_flagged() {
        let verdict = validate_samordningsnummer("192004912388", TODAY).expect("listed");
        assert_eq!(verdict.strength, Some(Strength::Low));
        assert!(verdict.has(Flag::ImpossibleDate));
        assert!(verdict.has(Flag::TestIdentity));
    }

    #[test]
    fn partial_samordningsnummer_is_capped_at_medium() {
        let identity = parse_identity_number("191500722390", TODAY).expect("month 00");
        assert!(identity.partial_date());
        assert_eq!(identity.birth_date, None);
        let verdict = validate_samordningsnummer("191500722390", TODAY).expect("valid");
        assert_eq!(verdict.strength, Some(Strength::Medium));
    }

    #[test]
    fn debug_hides_the_number() {
        let identity = parse_identity_number("19850601-2387", TODAY).expect("valid");
        let shown = format!("{identity:?}");
        assert!(
            !shown.contains("2387") && !shown.contains("1985"),
            "{shown}"
        );
    }
}
