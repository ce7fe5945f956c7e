//! IBAN (ISO 13616), any country: the rules of `piiscan/validators/iban.py`.
//!
//! Forms: compact (`SE4550000000058398257466`) or in groups of four separated by single spaces,
//! the last group possibly shorter; lower case accepted. Checks: the country is in the IBAN
//! registry, the BBAN has the registry's structure for it (which fixes the length), ISO 7064
//! mod 97-10 holds, and for four countries the national check inside the BBAN (Belgium's
//! account mod 97 and bank code, Spain's CCC, Montenegro's mod 97, Norway's kontonummer), as
//! python-stdnum checked them before the core took the rule over.

use crate::checksums;
use crate::verdict::{Strength, Verdict};

/// BBAN structure by country, from the SWIFT IBAN registry (release 101,
/// <https://www.swift.com/standards/data-standards/iban-international-bank-account-number>),
/// in the registry's notation: `4!n` four digits, `!a` upper-case letters, `!c` letters or
/// digits. The IBAN's length is 4 plus the structure's.
const REGISTRY: &[(&str, &str)] = &[
    ("AD", "4!n4!n12!c"),
    ("AE", "3!n16!n"),
    ("AL", "8!n16!c"),
    ("AT", "5!n11!n"),
    ("AZ", "4!a20!c"),
    ("BA", "3!n3!n8!n2!n"),
    ("BE", "3!n7!n2!n"),
    ("BG", "4!a4!n2!n8!c"),
    ("BH", "4!a14!c"),
    ("BI", "5!n5!n11!n2!n"),
    ("BR", "8!n5!n10!n1!a1!c"),
    ("BY", "4!c4!n16!c"),
    ("CH", "5!n12!c"),
    ("CR", "4!n14!n"),
    ("CY", "3!n5!n16!c"),
    ("CZ", "4!n16!n"),
    ("DE", "8!n10!n"),
    ("DJ", "5!n5!n11!n2!n"),
    ("DK", "4!n9!n1!n"),
    ("DO", "4!c20!n"),
    ("EE", "2!n14!n"),
    ("EG", "4!n4!n17!n"),
    ("ES", "4!n4!n1!n1!n10!n"),
    ("FI", "3!n11!n"),
    ("FK", "2!a12!n"),
    ("FO", "4!n9!n1!n"),
    ("FR", "5!n5!n11!c2!n"),
    ("GB", "4!a6!n8!n"),
    ("GE", "2!a16!n"),
    ("GI", "4!a15!c"),
    ("GL", "4!n9!n1!n"),
    ("GR", "3!n4!n16!c"),
    ("GT", "4!c20!c"),
    ("HN", "4!a20!n"),
    ("HR", "7!n10!n"),
    ("HU", "3!n4!n1!n15!n1!n"),
    ("IE", "4!a6!n8!n"),
    ("IL", "3!n3!n13!n"),
    ("IQ", "4!a3!n12!n"),
    ("IS", "4!n2!n6!n10!n"),
    ("IT", "1!a5!n5!n12!c"),
    ("JO", "4!a4!n18!c"),
    ("KW", "4!a22!c"),
    ("KZ", "3!n13!c"),
    ("LB", "4!n20!c"),
    ("LC", "4!a24!c"),
    ("LI", "5!n12!c"),
    ("LT", "5!n11!n"),
    ("LU", "3!n13!c"),
    ("LV", "4!a13!c"),
    ("LY", "3!n3!n15!n"),
    ("MC", "5!n5!n11!c2!n"),
    ("MD", "2!c18!c"),
    ("ME", "3!n13!n2!n"),
    ("MK", "3!n10!c2!n"),
    ("MN", "4!n12!n"),
    ("MR", "5!n5!n11!n2!n"),
    ("MT", "4!a5!n18!c"),
    ("MU", "4!a2!n2!n12!n3!n3!a"),
    ("NI", "4!a20!n"),
    ("NL", "4!a10!n"),
    ("NO", "4!n6!n1!n"),
    ("OM", "3!n16!c"),
    ("PK", "4!a16!c"),
    ("PL", "8!n16!n"),
    ("PS", "4!a21!c"),
    ("PT", "4!n4!n11!n2!n"),
    ("QA", "4!a21!c"),
    ("RO", "4!a16!c"),
    ("RS", "3!n13!n2!n"),
    ("RU", "9!n5!n15!c"),
    ("SA", "2!n18!c"),
    ("SC", "4!a2!n2!n16!n3!a"),
    ("SD", "2!n12!n"),
    ("SE", "3!n16!n1!n"),
    ("SI", "5!n8!n2!n"),
    ("SK", "4!n6!n10!n"),
    ("SM", "1!a5!n5!n12!c"),
    ("SO", "4!n3!n12!n"),
    ("ST", "4!n4!n11!n2!n"),
    ("SV", "4!a20!n"),
    ("TL", "3!n14!n2!n"),
    ("TN", "2!n3!n13!n2!n"),
    ("TR", "5!n1!n16!c"),
    ("UA", "6!n19!c"),
    ("VA", "3!n15!n"),
    ("VG", "4!a16!n"),
    ("XK", "4!n10!n2!n"),
    ("YE", "4!a4!n18!c"),
];

/// Belgian bank codes (the BBAN's first three digits) that a bank holds, as ranges, from the
/// National Bank of Belgium's list of 1 January 2026 (`grouped_list_current.xlsx`).
const BELGIAN_BANK_CODES: &[(u16, u16)] = &[
    (0, 111),
    (113, 116),
    (119, 127),
    (129, 134),
    (137, 137),
    (140, 150),
    (171, 171),
    (175, 176),
    (185, 185),
    (189, 214),
    (220, 499),
    (501, 501),
    (504, 504),
    (507, 510),
    (512, 515),
    (521, 525),
    (538, 538),
    (541, 541),
    (546, 546),
    (548, 560),
    (562, 579),
    (581, 581),
    (583, 583),
    (585, 588),
    (590, 601),
    (603, 605),
    (607, 607),
    (610, 613),
    (624, 625),
    (630, 631),
    (634, 636),
    (638, 638),
    (640, 640),
    (642, 654),
    (657, 658),
    (663, 664),
    (666, 680),
    (682, 689),
    (693, 696),
    (699, 709),
    (719, 719),
    (722, 722),
    (725, 765),
    (772, 806),
    (817, 817),
    (823, 826),
    (828, 828),
    (830, 840),
    (845, 845),
    (850, 853),
    (859, 860),
    (862, 863),
    (865, 866),
    (868, 868),
    (871, 871),
    (873, 873),
    (876, 881),
    (883, 884),
    (887, 888),
    (890, 899),
    (903, 908),
    (910, 911),
    (913, 917),
    (920, 920),
    (922, 924),
    (926, 926),
    (929, 931),
    (934, 934),
    (936, 936),
    (939, 943),
    (945, 945),
    (948, 961),
    (963, 964),
    (967, 969),
    (971, 971),
    (973, 984),
    (989, 999),
];

/// Published example and test IBANs: Swedbank's Validex test account, the examples in
/// Bankgirot/bank documentation (bankinfrastruktur.se, iban.se, SEB and Nordea
/// account-structure documents) and the ECBS/SWIFT registry examples for GB and DE.
const TEST_IBANS: &[&str] = &[
    "SE4280000890119146168423",
    "SE4550000000058398257466",
    "SE3550000000054910000003",
    "SE4112000000012740235305",
    "SE7280000810340009783242",
    "GB82WEST12345698765432",
    "DE89370400440532013000",
];

/// True when `bban` has the registry `structure` (`4!n4!n12!c` ...), length included.
fn fits_structure(bban: &[u8], structure: &str) -> bool {
    let mut position = 0;
    let mut count = 0;
    for &byte in structure.as_bytes() {
        match byte {
            b'0'..=b'9' => count = count * 10 + usize::from(byte - b'0'),
            b'!' => {}
            class => {
                let Some(chunk) = bban.get(position..position + count) else {
                    return false;
                };
                let fits = match class {
                    b'n' => chunk.iter().all(u8::is_ascii_digit),
                    b'a' => chunk.iter().all(u8::is_ascii_uppercase),
                    _ => chunk.iter().all(u8::is_ascii_alphanumeric),
                };
                if !fits {
                    return false;
                }
                position += count;
                count = 0;
            }
        }
    }
    position == bban.len()
}

/// `digits` (ASCII digits only) reduced mod 97.
fn decimal_mod97(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |remainder, digit| {
        (remainder * 10 + u32::from(digit - b'0')) % 97
    })
}

/// Belgium: the account's last two digits are its first ten mod 97 (97 for 0), and the bank
/// code is one a bank holds.
fn belgian_account_holds(bban: &[u8]) -> bool {
    let check = match decimal_mod97(&bban[..10]) {
        0 => 97,
        remainder => remainder,
    };
    let last = u32::from(bban[10] - b'0') * 10 + u32::from(bban[11] - b'0');
    let code = bban[..3]
        .iter()
        .fold(0u16, |total, digit| total * 10 + u16::from(digit - b'0'));
    check == last
        && BELGIAN_BANK_CODES
            .iter()
            .any(|&(low, high)| (low..=high).contains(&code))
}

/// Spain: the CCC's two check digits (bank + branch, then the account), weights 2^i mod 11.
fn spanish_ccc_holds(bban: &[u8]) -> bool {
    fn check_digit(digits: &[u8]) -> u8 {
        let total: u32 = digits
            .iter()
            .enumerate()
            .map(|(index, digit)| u32::from(digit - b'0') * (1 << index))
            .sum::<u32>()
            % 11;
        // 0 and 1 stand for themselves, 2-10 become 9-1: always one digit.
        let value = if total < 2 { total } else { 11 - total };
        b'0' + value as u8
    }
    let mut first = vec![b'0', b'0'];
    first.extend_from_slice(&bban[..8]);
    check_digit(&first) == bban[8] && check_digit(&bban[10..]) == bban[9]
}

/// Norway: the kontonummer's mod 11 (weights 6, 7, 8, 9, 4, 5, 6, 7, 8, 9); one that starts
/// with the postgiro bank code 0000 is a seven-digit number checked by Luhn.
fn norwegian_account_holds(bban: &[u8]) -> bool {
    if bban.starts_with(b"0000") {
        return std::str::from_utf8(&bban[4..]).is_ok_and(checksums::luhn);
    }
    const WEIGHTS: [u32; 10] = [6, 7, 8, 9, 4, 5, 6, 7, 8, 9];
    let total: u32 = WEIGHTS
        .iter()
        .zip(bban)
        .map(|(weight, digit)| weight * u32::from(digit - b'0'))
        .sum();
    // A remainder of 10 is two characters and never equals the last digit.
    total % 11 == u32::from(bban[10] - b'0')
}

/// True for the compact (`[A-Z]{2}[0-9]{2}[A-Z0-9]{8,30}`) or grouped shape, upper case.
fn has_iban_shape(upper: &[u8]) -> bool {
    if upper.len() < 4
        || !upper[..2].iter().all(u8::is_ascii_uppercase)
        || !upper[2..4].iter().all(u8::is_ascii_digit)
    {
        return false;
    }
    let rest = &upper[4..];
    let alnum = |byte: &u8| byte.is_ascii_uppercase() || byte.is_ascii_digit();
    if rest.iter().all(alnum) {
        return (8..=30).contains(&rest.len());
    }
    // Grouped: (" " + 4 alnum)+ then optionally (" " + 1-3 alnum).
    let groups: Vec<&[u8]> = rest.split(|&byte| byte == b' ').collect();
    let Some((first, groups)) = groups.split_first() else {
        return false;
    };
    let Some((last, full)) = groups.split_last() else {
        return false;
    };
    // At least one full group; the last may be shorter only after one.
    let last_lengths = if full.is_empty() { 4..=4 } else { 1..=4 };
    first.is_empty()
        && full
            .iter()
            .all(|group| group.len() == 4 && group.iter().all(alnum))
        && last_lengths.contains(&last.len())
        && last.iter().all(alnum)
}

/// Validate an IBAN of any country.
///
/// Strength high; flag `test_identity` for published example and test IBANs. `normalized` is
/// the compact upper-case IBAN.
pub fn validate_iban(candidate: &str) -> Option<Verdict> {
    // Full Unicode upper-casing, as Python's `str.upper` (`ß` becomes `SS`); the shape check
    // then admits only ASCII.
    let upper = candidate.to_uppercase();
    if !has_iban_shape(upper.as_bytes()) {
        return None;
    }
    let compact: String = upper.chars().filter(|&c| c != ' ').collect();
    let bytes = compact.as_bytes();
    let rearranged = format!("{}{}", &compact[4..], &compact[..4]);
    if checksums::mod97(&rearranged) != Some(true) {
        return None;
    }
    let (country, structure) = REGISTRY
        .iter()
        .find(|(country, _)| country.as_bytes() == &bytes[..2])?;
    let bban = &bytes[4..];
    if !fits_structure(bban, structure) {
        return None;
    }
    let national_check = match *country {
        "BE" => belgian_account_holds(bban),
        "ES" => spanish_ccc_holds(bban),
        "ME" => decimal_mod97(bban) == 1,
        "NO" => norwegian_account_holds(bban),
        _ => true,
    };
    if !national_check {
        return None;
    }
    let is_test = TEST_IBANS.contains(&compact.as_str());
    Some(Verdict::with_test_flag(compact, Strength::High, is_test))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::Flag;

    #[test]
    fn validates_ibans() {
        // (candidate, compact form or None, published test IBAN)
        type Row<'a> = (&'a str, Option<(&'a str, bool)>);
        let table: &[Row] = &[
            (
                "SE45 5000 0000 0583 9825 7466",
                Some(("SE4550000000058398257466", true)),
            ),
            (
                "SE4550000000058398257466",
                Some(("SE4550000000058398257466", true)),
            ),
            (
                "se45 5000 0000 0583 9825 7466",
                Some(("SE4550000000058398257466", true)),
            ),
            (
                "GB82 WEST 1234 5698 7654 32",
                Some(("GB82WEST12345698765432", true)),
            ),
            (
                "DE89 3704 0044 0532 0130 00",
                Some(("DE89370400440532013000", true)),
            ),
            // python-stdnum's own examples (GR, BE).
            (
                "GR16 0110 1050 0000 1054 7023 795",
                Some(("GR1601101050000010547023795", false)),
            ),
            ("BE31435411161155", Some(("BE31435411161155", false))),
            // Upper-casing is Unicode's, as Python's: the long s becomes S.
            (
                "\u{17f}E4550000000058398257466",
                Some(("SE4550000000058398257466", true)),
            ),
            // Wrong check digits, unknown country, wrong length for the country.
            ("SE46 5000 0000 0583 9825 7466", None),
            ("XX45 5000 0000 0583 9825 7466", None),
            ("SE45 5000 0000 0583 9825 746", None),
            // Other groupings.
            ("SE45 50000000 0583 9825 7466", None),
            ("SE45  5000 0000 0583 9825 7466", None),
            ("SE45 5000 0000 0583 9825 7466 ", None),
            ("SE45 500", None),
            // Belgium's national check (the last two digits) and Norway's mod 11.
            ("BE32435411161155", None),
            ("NO9386011117947", Some(("NO9386011117947", false))),
            ("NO9386011117948", None),
        ];
        for (candidate, expected) in table {
            let got = validate_iban(candidate)
                .map(|verdict| (verdict.normalized.clone(), verdict.has(Flag::TestIdentity)));
            let expected = expected.map(|(compact, test)| (compact.to_string(), test));
            assert_eq!(got, expected, "{candidate}");
        }
    }

    #[test]
    fn every_registry_country_has_a_structure_that_parses() {
        for (country, structure) in REGISTRY {
            let length: usize = structure
                .split(|c: char| c.is_ascii_lowercase())
                .filter_map(|part| part.strip_suffix('!')?.parse::<usize>().ok())
                .sum();
            assert!((10..=30).contains(&length), "{country}");
        }
    }
}
