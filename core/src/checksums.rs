//! Check-digit algorithms: Luhn (mod 10), weighted mod 11 and ISO 7064 mod 97-10.
//!
//! Every function takes the written characters and refuses (returns `false` or `None`) on a
//! character outside its alphabet, so no caller can make them panic.

/// The value of an ASCII digit, `None` for anything else.
fn digit_value(byte: u8) -> Option<u32> {
    byte.is_ascii_digit().then(|| u32::from(byte - b'0'))
}

/// The Luhn sum of `digits`, doubling every second digit counted from the right starting at
/// `first_doubled` (0: the last digit is doubled, 1: the one before it).
fn luhn_sum(digits: &str, first_doubled: usize) -> Option<u32> {
    luhn_sum_from_right(digits.bytes().rev(), first_doubled)
}

/// [`luhn_sum`] of the bytes `from_right` yields, the last written byte first.
fn luhn_sum_from_right(from_right: impl Iterator<Item = u8>, first_doubled: usize) -> Option<u32> {
    let mut total = 0;
    for (position, byte) in from_right.enumerate() {
        let mut value = digit_value(byte)?;
        if position % 2 == first_doubled {
            value *= 2;
            if value > 9 {
                value -= 9;
            }
        }
        total += value;
    }
    Some(total)
}

/// True when `digits` (only 0-9) passes the Luhn check, the check digit last.
///
/// An empty string passes (its sum is 0), as in the Python original.
pub fn luhn(digits: &str) -> bool {
    luhn_sum(digits, 1).is_some_and(|total| total % 10 == 0)
}

/// [`luhn`] of `parts` written one after the other, checked without joining them (a
/// validator calls this for every candidate).
pub fn luhn_joined(parts: &[&str]) -> bool {
    luhn_sum_from_right(parts.iter().rev().flat_map(|part| part.bytes().rev()), 1)
        .is_some_and(|total| total % 10 == 0)
}

/// The digit that, appended to `payload` (only 0-9), makes it pass [`luhn`].
pub fn luhn_check_digit(payload: &str) -> Option<char> {
    // The appended digit takes position 0, so the payload's last digit is doubled.
    let total = luhn_sum(payload, 0)?;
    char::from_digit((10 - total % 10) % 10, 10)
}

/// The mod 11 weighted sum with weights 1, 2, ... 10 from the right (repeating), the first
/// character taking weight `first_weight_index % 10 + 1`.
fn mod11_sum(digits: &str, first_weight_index: usize) -> Option<u32> {
    mod11_sum_from_right(digits.bytes().rev(), first_weight_index)
}

/// [`mod11_sum`] of the bytes `from_right` yields, the last written byte first.
fn mod11_sum_from_right(
    from_right: impl Iterator<Item = u8>,
    first_weight_index: usize,
) -> Option<u32> {
    let mut total = 0;
    for (index, byte) in from_right.enumerate() {
        let weight = ((index + first_weight_index) % 10 + 1) as u32;
        total += weight * digit_value(byte)?;
    }
    Some(total)
}

/// True when the weighted sum is 0 mod 11 (weights 1, 2, ... 10 from the right, repeating).
pub fn mod11(digits: &str) -> bool {
    mod11_sum(digits, 0).is_some_and(|total| total % 11 == 0)
}

/// [`mod11`] of `parts` written one after the other, checked without joining them.
pub fn mod11_joined(parts: &[&str]) -> bool {
    mod11_sum_from_right(parts.iter().rev().flat_map(|part| part.bytes().rev()), 0)
        .is_some_and(|total| total % 11 == 0)
}

/// The digit that, appended to `payload` (only 0-9), makes it pass [`mod11`]; `None` when the
/// remainder would need the value 10, which no digit can carry (or `payload` is not digits).
pub fn mod11_check_digit(payload: &str) -> Option<char> {
    // The appended digit has weight 1, so it must cancel the payload's weighted sum.
    let total = mod11_sum(payload, 1)?;
    let digit = (11 - total % 11) % 11;
    if digit == 10 {
        None
    } else {
        char::from_digit(digit, 10)
    }
}

/// `alnum` read as IBAN digits (`A` = 10 ... `Z` = 35, each letter two decimal digits),
/// reduced mod 97; `None` for an empty string or a character outside 0-9, A-Z, a-z.
fn mod97_remainder(alnum: &str) -> Option<u32> {
    if alnum.is_empty() {
        return None;
    }
    let mut remainder = 0u32;
    for character in alnum.chars() {
        let value = character.to_digit(36)?;
        remainder = if value < 10 {
            (remainder * 10 + value) % 97
        } else {
            (remainder * 100 + value) % 97
        };
    }
    Some(remainder)
}

/// Whether `alnum` (digits and letters, IBAN order) is 1 mod 97; `None` when it holds a
/// character that has no IBAN value.
pub fn mod97(alnum: &str) -> Option<bool> {
    mod97_remainder(alnum).map(|remainder| remainder == 1)
}

/// The two digits that, appended to `payload`, make it pass [`mod97`]; `None` when `payload`
/// holds a character that has no IBAN value.
pub fn mod97_check_digits(payload: &str) -> Option<String> {
    let remainder = mod97_remainder(payload)?;
    Some(format!("{:02}", 98 - remainder * 100 % 97))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_and_rejects() {
        assert!(luhn("8506012387"));
        assert!(!luhn("8506012388"));
        assert!(luhn(""));
        assert!(!luhn("85O6012387"));
        assert!(!luhn("８５"));
    }

    #[test]
    fn luhn_check_digit_completes_the_payload() {
        for payload in ["850601238", "0", "4242424242424", "99999999999999999999"] {
            let digit = luhn_check_digit(payload).expect("digits");
            assert!(luhn(&format!("{payload}{digit}")), "{payload}");
        }
        assert_eq!(luhn_check_digit("12a"), None);
    }

    #[test]
    fn mod11_and_its_check_digit() {
        // Handelsbanken account 517 182 351 (mod 11 over nine digits).
        assert!(mod11("517182351"));
        assert!(!mod11("517182352"));
        for payload in ["51718235", "1", "2740235305"] {
            match mod11_check_digit(payload) {
                Some(digit) => assert!(mod11(&format!("{payload}{digit}"))),
                None => assert!((0..10).all(|d| !mod11(&format!("{payload}{d}")))),
            }
        }
    }

    #[test]
    fn joined_checks_read_the_parts_as_one_number() {
        // As the joined string reads, for every cut of every case (the empty parts included).
        for digits in [
            "8506012387",
            "8506012388",
            "",
            "85O6012387",
            "517182351",
            "517182352",
            "2740235305",
            "99999999999999999999",
        ] {
            for cut in 0..=digits.len() {
                let parts = [&digits[..cut], &digits[cut..]];
                assert_eq!(luhn_joined(&parts), luhn(digits), "{digits} {cut}");
                assert_eq!(mod11_joined(&parts), mod11(digits), "{digits} {cut}");
            }
            assert_eq!(luhn_joined(&[digits, "", ""]), luhn(digits));
            assert_eq!(mod11_joined(&[]), mod11(""));
        }
    }

    #[test]
    fn mod97_reads_letters_as_two_digits() {
        // SE45 5000 0000 0583 9825 7466 rearranged: BBAN, country, check digits.
        assert_eq!(mod97("50000000058398257466SE45"), Some(true));
        assert_eq!(mod97("50000000058398257467SE45"), Some(false));
        assert_eq!(mod97("50000000058398257466se45"), Some(true));
        assert_eq!(mod97(""), None);
        assert_eq!(mod97("SE-45"), None);
        assert_eq!(
            mod97_check_digits("50000000058398257466SE").as_deref(),
            Some("45")
        );
    }
}
