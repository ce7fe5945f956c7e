//! Dates of birth as Swedish (and English) text writes them, the rules of
//! `piiscan/validators/birth_date.py`.
//!
//! Forms: ISO `YYYY-MM-DD` (also with `/` or `.`, or no separator), `YYMMDD` and `YY-MM-DD`,
//! day first `DD/MM/YYYY`, `DD.MM.YYYY`, `DD-MM-YYYY` (one or two digits for day and month),
//! and `D månad YYYY` with a Swedish or English month name, full or abbreviated
//! (`1 juni 1985`, `1 jun. 1985`, `1 June 1985`). Day-first with slashes is read as Swedish
//! text writes it, never as the American month-first.
//!
//! Rejected: a date that does not exist, a date after today, a year before 1890. A two-digit
//! year is read in the latest century that does not put the date after today.
//!
//! Only the form is checked here; that the date is a *birth* date is the recognizer's
//! business (a label, a phrase or a column name must say so). The normalised value is the
//! ISO date, so the same birth date written two ways gives the same value key.

use crate::validators::personnummer::{days_in_month, Date};
use crate::verdict::Verdict;

/// The earliest year of birth accepted: nobody alive, nor in most archives, is older.
const EARLIEST_YEAR: i32 = 1890;

/// Month names and abbreviations, Swedish then English, lower case, with their number.
const MONTHS: &[(&str, u32)] = &[
    ("januari", 1),
    ("jan", 1),
    ("februari", 2),
    ("feb", 2),
    ("mars", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("maj", 5),
    ("juni", 6),
    ("jun", 6),
    ("juli", 7),
    ("jul", 7),
    ("augusti", 8),
    ("aug", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("oktober", 10),
    ("okt", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("october", 10),
    ("oct", 10),
];

fn number(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 4 || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn month_number(name: &str) -> Option<u32> {
    let name = name.strip_suffix('.').unwrap_or(name).to_lowercase();
    MONTHS
        .iter()
        .find(|(written, _)| *written == name)
        .map(|&(_, month)| month)
}

/// `(year, month, day)` as written; `year` negative for a two-digit year (`-(YY) - 1`).
fn fields(candidate: &str) -> Option<(i32, u32, u32)> {
    // The first words, and whether there are more (nothing collected: every candidate of
    // the recognizer comes here, most of them no date).
    let mut split = candidate.split_whitespace();
    let first_words = [split.next(), split.next(), split.next(), split.next()];
    if let [Some(day), Some(month), Some(year), None] = first_words {
        let words = [day, month, year];
        // D månad YYYY
        let day = number(words[0]).filter(|_| words[0].len() <= 2)?;
        let month = month_number(words[1])?;
        let year = number(words[2]).filter(|_| words[2].len() == 4)?;
        return Some((year as i32, month, day));
    }
    if !matches!(first_words, [Some(_), None, None, None]) {
        return None;
    }
    let separator = candidate.chars().find(|c| matches!(c, '-' | '/' | '.'));
    let Some(separator) = separator else {
        // `get`, not indexing: a multi-byte character has no boundary there (found by
        // tests/proptest_entry_points.rs; such text is no date either way).
        return match candidate.len() {
            8 => Some((
                number(candidate.get(..4)?)? as i32,
                number(candidate.get(4..6)?)?,
                number(candidate.get(6..)?)?,
            )),
            6 => Some((
                -(number(candidate.get(..2)?)? as i32) - 1,
                number(candidate.get(2..4)?)?,
                number(candidate.get(4..)?)?,
            )),
            _ => None,
        };
    };
    let mut split = candidate.split(separator);
    let [Some(one), Some(two), Some(three), None] =
        [split.next(), split.next(), split.next(), split.next()]
    else {
        return None;
    };
    let parts = [one, two, three];
    let lengths = parts.map(str::len);
    let [first, second, third] = [number(parts[0])?, number(parts[1])?, number(parts[2])?];
    match lengths {
        [4, 2, 2] => Some((first as i32, second, third)),
        [2, 2, 2] if separator == '-' => Some((-(first as i32) - 1, second, third)),
        [1 | 2, 1 | 2, 4] => Some((third as i32, second, first)),
        _ => None,
    }
}

/// Parse a written date as a birth date on or before `today`.
pub fn parse_birth_date(candidate: &str, today: Date) -> Option<Date> {
    let (year, month, day) = fields(candidate.trim())?;
    if !(1..=12).contains(&month) {
        return None;
    }
    let year = if year < 0 {
        let short = -year - 1;
        let recent = today.year - today.year % 100 + short;
        let date = Date {
            year: recent,
            month,
            day,
        };
        if date <= today {
            recent
        } else {
            recent - 100
        }
    } else {
        year
    };
    if day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let date = Date { year, month, day };
    (year >= EARLIEST_YEAR && date <= today).then_some(date)
}

/// Validate a date of birth; `normalized` is the ISO date `YYYY-MM-DD`.
///
/// The strength is left to the pattern: a labelled date is strong, a bare one weak.
pub fn validate_birth_date(candidate: &str, today: Date) -> Option<Verdict> {
    let date = parse_birth_date(candidate, today)?;
    Some(Verdict {
        normalized: format!("{:04}-{:02}-{:02}", date.year, date.month, date.day),
        strength: None,
        flags: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = Date {
        year: 2026,
        month: 12,
        day: 7,
    };

    fn read(candidate: &str) -> Option<String> {
        validate_birth_date(candidate, TODAY).map(|verdict| verdict.normalized)
    }

    #[test]
    fn written_forms() {
        for (written, iso) in [
            ("1985-06-01", "1985-06-01"),
            ("1985/06/01", "1985-06-01"),
            ("1985.06.01", "1985-06-01"),
            ("19850601", "1985-06-01"),
            ("850601", "1985-06-01"),
            ("85-06-01", "1985-06-01"),
            ("010203", "2001-02-03"),
            ("01/06/1985", "1985-06-01"),
            ("1/6/1985", "1985-06-01"),
            ("01.06.1985", "1985-06-01"),
            ("01-06-1985", "1985-06-01"),
            ("1 juni 1985", "1985-06-01"),
            ("1 JUNI 1985", "1985-06-01"),
            ("12 okt. 1990", "1990-10-12"),
            ("3 maj 2001", "2001-05-03"),
            ("29 februari 2000", "2000-02-29"),
            ("1 June 1985", "1985-06-01"),
            ("7 december 2026", "2026-12-07"),
            ("261207", "2026-12-07"),
            ("261208", "1926-12-08"),
        ] {
            assert_eq!(read(written), Some(iso.into()), "{written}");
        }
    }

    #[test]
    fn impossible_or_future_dates_are_rejected() {
        for rejected in [
            "1985-02-30",
            "1985-13-01",
            "1985-00-10",
            "850631",
            "29 februari 2001",
            "2027-01-01",
            "8 december 2026",
            "1889-12-31",
            "1985-06-1",
            "1985-06/01",
            "06/01/85",
            "1 juno 1985",
            "1985 06 01",
            "1985-06-01-02",
            "",
        ] {
            assert_eq!(read(rejected), None, "{rejected:?}");
        }
    }
}
