//! Swedish telephone numbers: the rules of `piiscan/validators/phone.py` for the common shapes,
//! with Sweden's numbering plan compiled in.
//!
//! Handled here: a national number with the trunk `0` (`070-174 06 05`, `08-465 004 00`) and
//! `+46` / `0046` international forms without parentheses. Anything else that has a phone
//! number's shape (`(08) ...`, `+46 (0)8 ...`, other countries) is [`Phone::Elsewhere`]: the
//! Python side parses it with phonenumbers, off the hot path.
//!
//! The plan (number types by pattern and length, and how numbers are grouped, which fixes the
//! area code's length) is libphonenumber's metadata for region SE (Apache-2.0), as
//! `phonenumbers` 9.0.43 ships it; `tests/validators/test_phone.py` checks every decision
//! against phonenumbers itself.

use std::sync::OnceLock;

use regex::Regex;

use crate::verdict::{Strength, Verdict};

/// A number type, with the value of `phonenumbers.PhoneNumberType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    FixedLine = 0,
    Mobile = 1,
    FixedLineOrMobile = 2,
    TollFree = 3,
    PremiumRate = 4,
    SharedCost = 5,
    PersonalNumber = 7,
    Pager = 8,
    Uan = 9,
    Voicemail = 10,
    Unknown = 99,
}

/// All Swedish numbers: pattern and possible lengths of the national significant number.
const GENERAL: (&str, &[usize]) = (
    r"(?:[26]\d\d|9)\d{9}|[1-9]\d{8}|[1-689]\d{7}|[1-4689]\d{6}|2\d{5}",
    &[6, 7, 8, 9, 10, 12],
);

/// The number types in the order libphonenumber tests them; the first that fits decides.
const TYPES: &[(Kind, &str, &[usize])] = &[
    (
        Kind::PremiumRate,
        r"649\d{6}|99[1-59]\d{4}(?:\d{3})?|9(?:00|39|44)[1-8]\d{3,6}",
        &[7, 8, 9, 10],
    ),
    (Kind::TollFree, r"20\d{4,7}", &[6, 7, 8, 9]),
    (Kind::SharedCost, r"77[0-7]\d{6}", &[9]),
    (Kind::PersonalNumber, r"75[1-8]\d{6}", &[9]),
    (Kind::Pager, r"74[02-9]\d{6}", &[9]),
    (Kind::Uan, r"10[1-8]\d{6}", &[9]),
    (Kind::Voicemail, r"(?:25[245]|67[3-68])\d{9}", &[12]),
    (
        Kind::FixedLine,
        r"(?:(?:[12][136]|3[356]|4[0246]|6[03]|8\d)\d|90[1-9])\d{4,6}|(?:1(?:2[0-35]|4[0-4]|5[0-25-9]|7[13-6]|[89]\d)|2(?:2[0-7]|4[0136-8]|5[0138]|7[018]|8[01]|9[0-57])|3(?:0[0-4]|1\d|2[0-25]|4[056]|7[0-2]|8[0-3]|9[023])|4(?:1[013-8]|3[0135]|5[14-79]|7[0-246-9]|8[0156]|9[0-689])|5(?:0[0-6]|[15][0-5]|2[0-68]|3[0-4]|4\d|6[03-5]|7[013]|8[0-79]|9[01])|6(?:1[1-3]|2[0-4]|4[02-57]|5[0-37]|6[0-3]|7[0-2]|8[0247]|9[0-356])|9(?:1[0-68]|2\d|3[02-5]|4[0-3]|5[0-4]|[68][01]|7[0135-8]))\d{5,6}",
        &[7, 8, 9],
    ),
    (Kind::Mobile, r"7[023689]\d{7}", &[9]),
];

/// The international formats in libphonenumber's order: the grouping pattern and the leading
/// digits that select it. The first group is the area code.
const FORMATS: &[(&str, &str)] = &[
    (r"(\d{2})(\d{2,3})(\d{2})", r"20"),
    (r"(\d{3})(\d{4})", r"9(?:00|39|44|9)"),
    (
        r"(\d{2})(\d{3})(\d{2})",
        r"[12][136]|3[356]|4[0246]|6[03]|90[1-9]",
    ),
    (r"(\d)(\d{2,3})(\d{2})(\d{2})", r"8"),
    (
        r"(\d{3})(\d{2,3})(\d{2})",
        r"1[2457]|2(?:[247-9]|5[0138])|3[0247-9]|4[1357-9]|5[0-35-9]|6(?:[125689]|4[02-57]|7[0-2])|9(?:[125-8]|3[02-5]|4[0-3])",
    ),
    (r"(\d{3})(\d{2,3})(\d{3})", r"9(?:00|39|44)"),
    (
        r"(\d{2})(\d{2,3})(\d{2})(\d{2})",
        r"1[13689]|2[0136]|3[1356]|4[0246]|54|6[03]|90[1-9]",
    ),
    (r"(\d{2})(\d{3})(\d{2})(\d{2})", r"10|7"),
    (r"(\d)(\d{3})(\d{3})(\d{2})", r"8"),
    (
        r"(\d{3})(\d{2})(\d{2})(\d{2})",
        r"[13-5]|2(?:[247-9]|5[0138])|6(?:[124-689]|7[0-2])|9(?:[125-8]|3[02-5]|4[0-3])",
    ),
    (r"(\d{3})(\d{2})(\d{2})(\d{3})", r"9"),
    (r"(\d{3})(\d{2})(\d{3})(\d{2})(\d{2})", r"[26]"),
];

const PTS_RANGES: &str = include_str!("../../../src/piiscan/data/pts_fictional_ranges.json");

struct Plan {
    general: Regex,
    types: Vec<(Kind, Regex, &'static [usize])>,
    formats: Vec<(Regex, Regex)>,
    fictional: Vec<(String, String)>,
}

/// A whole-string matcher for a metadata pattern (ASCII digits only).
fn whole(pattern: &str) -> Regex {
    Regex::new(&format!("^(?-u:{pattern})$")).expect("libphonenumber patterns are regular")
}

fn plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| Plan {
        general: whole(GENERAL.0),
        types: TYPES
            .iter()
            .map(|&(kind, pattern, lengths)| (kind, whole(pattern), lengths))
            .collect(),
        formats: FORMATS
            .iter()
            .map(|&(pattern, leading)| {
                let leading = Regex::new(&format!("^(?-u:{leading})")).expect("a valid prefix");
                (whole(pattern), leading)
            })
            .collect(),
        fictional: fictional_ranges(),
    })
}

/// The `(e164_from, e164_to)` pairs of the PTS file, in order.
fn fictional_ranges() -> Vec<(String, String)> {
    let value = |line: &str, key: &str| -> Option<String> {
        let rest = line.trim().strip_prefix(&format!("\"{key}\""))?;
        let rest = rest.trim_start().strip_prefix(':')?.trim();
        Some(rest.trim_end_matches(',').trim_matches('"').to_string())
    };
    let mut ranges = Vec::new();
    let mut low = None;
    for line in PTS_RANGES.lines() {
        if let Some(from) = value(line, "e164_from") {
            low = Some(from);
        } else if let Some(to) = value(line, "e164_to") {
            if let Some(from) = low.take() {
                ranges.push((from, to));
            }
        }
    }
    ranges
}

/// True when `e164` lies in a PTS series reserved for fiction (films, books, tests).
pub fn is_pts_fictional(e164: &str) -> bool {
    e164.starts_with("+46")
        && plan().fictional.iter().any(|(low, high)| {
            low.len() == e164.len() && low.as_str() <= e164 && e164 <= high.as_str()
        })
}

/// The type of a Swedish national significant number (digits, no trunk `0`).
pub fn swedish_type(national: &str) -> Kind {
    let plan = plan();
    let length = national.len();
    if !GENERAL.1.contains(&length) || !plan.general.is_match(national) {
        return Kind::Unknown;
    }
    let mobile = plan.types.iter().find(|(kind, ..)| *kind == Kind::Mobile);
    for (kind, pattern, lengths) in &plan.types {
        if (lengths.is_empty() || lengths.contains(&length)) && pattern.is_match(national) {
            if *kind == Kind::FixedLine {
                if let Some((_, mobile, mobile_lengths)) = mobile {
                    if mobile.is_match(national) && mobile_lengths.contains(&length) {
                        return Kind::FixedLineOrMobile;
                    }
                }
            }
            return *kind;
        }
    }
    Kind::Unknown
}

/// The length of the area code (national destination code) of a Swedish national significant
/// number: the first group of its international format, 0 when no format fits.
pub fn swedish_ndc_length(national: &str) -> usize {
    for (pattern, leading) in &plan().formats {
        if leading.is_match(national) {
            if let Some(groups) = pattern.captures(national) {
                return groups.get(1).map_or(0, |group| group.len());
            }
        }
    }
    0
}

/// What [`validate_phone`] decides.
#[derive(Debug, PartialEq, Eq)]
pub enum Phone {
    /// Not a telephone number.
    Rejected,
    /// A valid Swedish number.
    Valid(Verdict),
    /// A telephone number's shape this module does not decide (parentheses, another country).
    Elsewhere,
}

/// `(?:\+|00)?[0-9()][0-9 ()./-]*[0-9]`, the whole candidate.
fn has_phone_shape(candidate: &str) -> bool {
    let body = candidate.strip_prefix('+').unwrap_or(candidate).as_bytes();
    let Some((&first, rest)) = body.split_first() else {
        return false;
    };
    let Some((&last, middle)) = rest.split_last() else {
        return false;
    };
    (first.is_ascii_digit() || first == b'(' || first == b')')
        && last.is_ascii_digit()
        && middle
            .iter()
            .all(|&byte| byte.is_ascii_digit() || b" ()./-".contains(&byte))
}

/// The country calling codes in use (ITU-T E.164 assignments, as libphonenumber lists them;
/// `tests/validators/test_phone.py` holds this list to phonenumbers' own).
pub const CALLING_CODES: [u16; 215] = [
    1, 7, 20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54,
    55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98, 211,
    212, 213, 216, 218, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234,
    235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253,
    254, 255, 256, 257, 258, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 290, 291, 297, 298,
    299, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 370, 371, 372, 373, 374, 375, 376, 377,
    378, 380, 381, 382, 383, 385, 386, 387, 389, 420, 421, 423, 500, 501, 502, 503, 504, 505, 506,
    507, 508, 509, 590, 591, 592, 593, 594, 595, 596, 597, 598, 599, 670, 672, 673, 674, 675, 676,
    677, 678, 679, 680, 681, 682, 683, 685, 686, 687, 688, 689, 690, 691, 692, 800, 808, 850, 852,
    853, 855, 856, 870, 878, 880, 881, 882, 883, 886, 888, 960, 961, 962, 963, 964, 965, 966, 967,
    968, 970, 971, 972, 973, 974, 975, 976, 977, 979, 992, 993, 994, 995, 996, 998,
];

/// The calling code an international number's digits (after `+` or `00`) begin with, read
/// as phonenumbers reads it: the first of their one-, two- and three-digit beginnings in use.
fn calling_code(digits: &str) -> Option<u16> {
    if digits.starts_with('0') {
        return None;
    }
    (1..=digits.len().min(3)).find_map(|length| {
        let code: u16 = digits[..length].parse().ok()?;
        CALLING_CODES.binary_search(&code).ok().map(|_| code)
    })
}

/// True when a national candidate holds one pair of parentheses around its leading area
/// code, `(08) 465 004 00`, `(0980)-31 92 00`: phonenumbers reads the parentheses as
/// punctuation, so the number is the digits alone, decided here like `08 465 004 00`. Other
/// placements are left to phonenumbers.
fn area_code_in_parentheses(candidate: &str) -> bool {
    let Some(rest) = candidate.strip_prefix("(0") else {
        return false;
    };
    let Some(close) = rest.find(')') else {
        return false;
    };
    let (area, after) = (&rest[..close], &rest[close + 1..]);
    (1..=3).contains(&area.len())
        && area.bytes().all(|byte| byte.is_ascii_digit())
        && !after.contains(['(', ')'])
}

/// True when the candidate's first group (up to the first space, `.`, `/` or `-`, with
/// parentheses read as a space) is the trunk `0` and the area code.
fn grouped_after_area_code(candidate: &str, national: &str) -> bool {
    // `candidate.replace("(", "").replace(")", " ").strip()` up to its first separator, read
    // without building that string. The candidate is ASCII with no white space but spaces and
    // ends with a digit (`has_phone_shape`), so only leading spaces are stripped.
    let cleaned = candidate
        .bytes()
        .filter(|&byte| byte != b'(')
        .map(|byte| if byte == b')' { b' ' } else { byte })
        .skip_while(|&byte| byte == b' ');
    let ndc = swedish_ndc_length(national);
    let Some(expected) = national.as_bytes().get(..ndc) else {
        return false;
    };
    for (length, byte) in cleaned.enumerate() {
        if matches!(byte, b' ' | b'.' | b'/' | b'-') {
            // The first group: the trunk `0` and then the area code.
            return length == ndc + 1;
        }
        let matches = match length {
            0 => byte == b'0',
            at => expected.get(at - 1) == Some(&byte),
        };
        if !matches {
            return false;
        }
    }
    false
}

/// Validate a telephone number: a Swedish one here, anything else with a number's shape is
/// left to the caller ([`Phone::Elsewhere`]).
///
/// Strength: the international form, a mobile, or a national form grouped after the area code
/// medium; anything else low. Flag `test_identity` for the PTS fictional series.
/// `normalized` is the E.164 form.
pub fn validate_phone(candidate: &str) -> Phone {
    if !candidate.is_ascii() || !has_phone_shape(candidate) {
        return Phone::Rejected;
    }
    let international = candidate.starts_with('+') || candidate.starts_with("00");
    if !international && !candidate.trim_start_matches('(').starts_with('0') {
        return Phone::Rejected;
    }
    if candidate.contains('(') && (international || !area_code_in_parentheses(candidate)) {
        return Phone::Elsewhere;
    }
    let digits: String = candidate.chars().filter(char::is_ascii_digit).collect();
    let national = if international {
        let prefix = if candidate.starts_with('+') {
            "46"
        } else {
            "0046"
        };
        match digits.strip_prefix(prefix) {
            Some(national) => national,
            // Another country's number: phonenumbers decides it, unless no country has the
            // calling code it begins with (phonenumbers then refuses it too).
            None if calling_code(&digits[prefix.len() - 2..]).is_none() => return Phone::Rejected,
            None => return Phone::Elsewhere,
        }
    } else {
        &digits[1..]
    };
    if national.is_empty() || national.starts_with('0') || national.len() > 13 {
        return Phone::Elsewhere;
    }
    let kind = swedish_type(national);
    if kind == Kind::Unknown {
        return Phone::Rejected;
    }
    let e164 = format!("+46{national}");
    // A bare 07x number is a mobile far more often than a personnummer (1.1 % of random
    // mobile numbers pass the personnummer checks); a pnr word nearby still wins it back.
    let strength =
        if international || kind == Kind::Mobile || grouped_after_area_code(candidate, national) {
            Strength::Medium
        } else {
            Strength::Low
        };
    let is_test = is_pts_fictional(&e164);
    Phone::Valid(Verdict::with_test_flag(e164, strength, is_test))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::Flag;

    #[test]
    fn validates_swedish_shapes() {
        // (candidate, E.164 or None for rejected, medium strength, test number)
        type Row<'a> = (&'a str, Option<(&'a str, bool, bool)>);
        let table: &[Row] = &[
            ("070-174 06 05", Some(("+46701740605", true, true))),
            ("0701740605", Some(("+46701740605", true, true))),
            ("+46 70 174 06 05", Some(("+46701740605", true, true))),
            ("0046 70 174 06 05", Some(("+46701740605", true, true))),
            ("08-465 004 00", Some(("+46846500400", true, true))),
            ("0980-31 92 00", Some(("+46980319200", true, true))),
            ("031-390 06 00", Some(("+46313900600", true, true))),
            ("0313900600", Some(("+46313900600", false, true))),
            ("090619-2380", Some(("+46906192380", false, false))),
            ("08-123 456 78", Some(("+46812345678", true, false))),
            ("0712345678", None),
            ("701740605", None),
            ("070 174 06 05 x", None),
            ("07O-174 06 05", None),
            ("+", None),
        ];
        for (candidate, expected) in table {
            let expected = expected.map(|(e164, medium, test)| (e164.to_string(), medium, test));
            let got = match validate_phone(candidate) {
                Phone::Valid(verdict) => Some((
                    verdict.normalized.clone(),
                    verdict.strength == Some(Strength::Medium),
                    verdict.has(Flag::TestIdentity),
                )),
                Phone::Rejected => None,
                Phone::Elsewhere => panic!("{candidate} left to phonenumbers"),
            };
            assert_eq!(got, expected, "{candidate}");
        }
    }

    #[test]
    fn area_codes_in_parentheses() {
        let table: &[(&str, Option<(&str, bool)>)] = &[
            ("(08) 465 004 00", Some(("+46846500400", true))),
            ("(0980)-31 92 00", Some(("+46980319200", true))),
            ("(070) 174 06 05", Some(("+46701740605", true))),
            ("(031) 3900600", Some(("+46313900600", true))),
            ("(0712) 345678", None),
        ];
        for (candidate, expected) in table {
            let got = match validate_phone(candidate) {
                Phone::Valid(verdict) => Some((
                    verdict.normalized.clone(),
                    verdict.strength == Some(Strength::Medium),
                )),
                Phone::Rejected => None,
                Phone::Elsewhere => panic!("{candidate} left to phonenumbers"),
            };
            let expected = expected.map(|(e164, medium)| (e164.to_owned(), medium));
            assert_eq!(got, expected, "{candidate}");
        }
    }

    #[test]
    fn leaves_other_shapes_to_the_caller() {
        for candidate in [
            "(0)8-465 004 00",
            "08 (465) 004 00",
            "+46 (0)8-465 004 00",
            "+44 20 7946 0018",
            "00 1 650 253 0000",
        ] {
            assert_eq!(validate_phone(candidate), Phone::Elsewhere, "{candidate}");
        }
    }

    #[test]
    fn area_codes_and_types() {
        let table: &[(&str, usize, Kind)] = &[
            ("701740605", 2, Kind::Mobile),
            ("846500400", 1, Kind::FixedLine),
            ("313900600", 2, Kind::FixedLine),
            ("980319200", 3, Kind::FixedLine),
            ("201234567", 2, Kind::TollFree),
            ("771234567", 2, Kind::SharedCost),
            ("12", 0, Kind::Unknown),
        ];
        for (national, ndc, kind) in table {
            assert_eq!(swedish_ndc_length(national), *ndc, "{national}");
            assert_eq!(swedish_type(national), *kind, "{national}");
        }
    }

    #[test]
    fn fictional_ranges_are_read() {
        assert_eq!(plan().fictional.len(), 5);
        assert!(is_pts_fictional("+46701740699"));
        assert!(!is_pts_fictional("+46701740700"));
    }
}
