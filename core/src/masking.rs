//! Masked previews, the Rust twin of `piiscan.masking`: enough to recognise a finding, too
//! little to reuse it. `850601-2387` becomes `850601-****`, a card keeps its last four digits,
//! `anna@exempel.se` becomes `a***@exempel.se`.

/// How values of one entity type are masked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mask {
    /// Keep the birth date and separator, hide the last four digits.
    IdentityNumber,
    /// Keep the first `keep_prefix` characters and the last `keep_last` digits.
    KeepLast {
        keep_last: usize,
        keep_prefix: usize,
    },
    /// First character of the local part, then `***@domain`.
    Email,
    /// The first four characters, then the rest keeping its last four digits.
    Iban,
    /// The first character of every word; other word characters become `*`.
    Words,
    /// [`Mask::Words`] for an ASCII value; any other is masked in Python (`apply` gives an
    /// empty string). Python's default mask, for the entities that have no mask of their
    /// own: ASCII is where `\w` and [`char::is_alphanumeric`] surely agree.
    AsciiWords,
    /// The first group of an IP address, the rest's hex digits `*` (ASCII values only).
    IpAddress,
    /// Every digit and every word character after a word's first `*` (ASCII values only).
    Date,
}

impl Mask {
    /// The mask `piiscan.masking` uses for `entity`, when the core has a copy of it (the
    /// others are masked in Python, so a new mask needs no second copy here).
    pub fn for_entity(entity: &str) -> Option<Self> {
        Some(match entity {
            "SE_PERSONNUMMER" | "SE_SAMORDNINGSNUMMER" => Mask::IdentityNumber,
            "SE_ORGANISATIONSNUMMER" => Mask::KeepLast {
                keep_last: 0,
                keep_prefix: 6,
            },
            "PHONE_NUMBER" => Mask::KeepLast {
                keep_last: 2,
                keep_prefix: 4,
            },
            "EMAIL_ADDRESS" => Mask::Email,
            "IBAN_CODE" => Mask::Iban,
            "CREDIT_CARD" => Mask::KeepLast {
                keep_last: 4,
                keep_prefix: 0,
            },
            "SE_BANKGIRO" | "SE_PLUSGIRO" => Mask::KeepLast {
                keep_last: 2,
                keep_prefix: 0,
            },
            "SE_BANK_ACCOUNT" => Mask::KeepLast {
                keep_last: 2,
                keep_prefix: 4,
            },
            "SE_ADDRESS" | "PERSON" => Mask::Words,
            "SE_VEHICLE_REGISTRATION" | "SE_PASSPORT_NUMBER" | "SE_ID_CARD_NUMBER" => {
                Mask::AsciiWords
            }
            "IP_ADDRESS" => Mask::IpAddress,
            "DATE_OF_BIRTH" => Mask::Date,
            _ => return None,
        })
    }

    /// The masked preview of `text`; empty when Python masks it (see the variants).
    pub fn apply(self, text: &str) -> String {
        match self {
            Mask::AsciiWords | Mask::IpAddress | Mask::Date if !text.is_ascii() => String::new(),
            Mask::AsciiWords => Mask::Words.apply(text),
            Mask::IpAddress => {
                // `piiscan.masking._mask_ip`: the separator is written even when absent.
                let separator = if text.contains(':') { ':' } else { '.' };
                let (head, rest) = text.split_once(separator).unwrap_or((text, ""));
                let mut out = String::with_capacity(text.len() + 1);
                out.push_str(head);
                out.push(separator);
                out.extend(rest.chars().map(|character| {
                    if character.is_ascii_hexdigit() {
                        '*'
                    } else {
                        character
                    }
                }));
                out
            }
            Mask::Date => Mask::Words.apply(&star_digits(text)),
            Mask::IdentityNumber => {
                let cut = start_of_last_digits(text, 4);
                format!("{}{}", &text[..cut], star_digits(&text[cut..]))
            }
            Mask::KeepLast {
                keep_last,
                keep_prefix,
            } => keep_last_digits(text, keep_last, keep_prefix),
            Mask::Email => {
                let (local, domain) = text.split_once('@').unwrap_or((text, ""));
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            Mask::Iban => {
                let cut = char_boundary(text, 4);
                format!("{}{}", &text[..cut], keep_last_digits(&text[cut..], 4, 0))
            }
            Mask::Words => {
                let mut out = String::with_capacity(text.len());
                let mut previous_word = false;
                for character in text.chars() {
                    let word = character.is_alphanumeric() || character == '_';
                    out.push(if word && previous_word {
                        '*'
                    } else {
                        character
                    });
                    previous_word = word;
                }
                out
            }
        }
    }
}

/// Python's `str.isdigit()` for one character.
fn is_digit(character: char) -> bool {
    character.is_ascii_digit() || (!character.is_ascii() && character.is_numeric())
}

fn star_digits(text: &str) -> String {
    text.chars()
        .map(|character| if is_digit(character) { '*' } else { character })
        .collect()
}

/// Byte offset of the first of the last `count` digits of `text`; 0 when it has fewer.
fn start_of_last_digits(text: &str, count: usize) -> usize {
    let mut seen = 0;
    for (index, character) in text.char_indices().rev() {
        if is_digit(character) {
            seen += 1;
            if seen == count {
                return index;
            }
        }
    }
    0
}

/// Byte offset of character `count` (or the end).
fn char_boundary(text: &str, count: usize) -> usize {
    text.char_indices()
        .nth(count)
        .map_or(text.len(), |(index, _)| index)
}

fn keep_last_digits(text: &str, count: usize, keep_prefix: usize) -> String {
    let prefix = char_boundary(text, keep_prefix);
    let cut = if count > 0 {
        start_of_last_digits(text, count)
    } else {
        text.len()
    }
    .max(prefix);
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..prefix]);
    out.extend(text[prefix..cut].chars().map(
        |character| {
            if is_digit(character) {
                '*'
            } else {
                character
            }
        },
    ));
    out.push_str(&text[cut..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_as_in_python() {
        let mask = |entity: &str, text: &str| match Mask::for_entity(entity) {
            Some(mask) => mask.apply(text),
            None => String::new(),
        };
        assert_eq!(mask("SE_PERSONNUMMER", "850601-2387"), "850601-****");
        assert_eq!(
            mask("CREDIT_CARD", "4242 4242 4242 4242"),
            "**** **** **** 4242"
        );
        assert_eq!(mask("PHONE_NUMBER", "070-174 06 05"), "070-*** ** 05");
        assert_eq!(mask("EMAIL_ADDRESS", "anna@exempel.se"), "a***@exempel.se");
        assert_eq!(
            mask("IBAN_CODE", "SE45 5000 0000 0583 9825 7466"),
            "SE45 **** **** **** **** 7466"
        );
        assert_eq!(mask("SE_ORGANISATIONSNUMMER", "556016-0680"), "556016-****");
        assert_eq!(mask("SE_BANK_ACCOUNT", "5839-8257466"), "5839-*****66");
        assert_eq!(mask("PERSON", "Anna Ödman"), "A*** Ö****");
        assert_eq!(mask("IP_ADDRESS", "81.2.69.160"), "81.*.**.***");
        assert_eq!(mask("IP_ADDRESS", "2001:db8::ff00:42"), "2001:***::****:**");
        assert_eq!(mask("IP_ADDRESS", "81"), "81.");
        assert_eq!(mask("DATE_OF_BIRTH", "1985-06-01"), "****-**-**");
        assert_eq!(mask("DATE_OF_BIRTH", "1 juni 1985"), "* j*** ****");
        assert_eq!(mask("SE_VEHICLE_REGISTRATION", "ABC 12D"), "A** 1**");
        assert_eq!(mask("SE_PASSPORT_NUMBER", "12345678"), "1*******");
        // Not ASCII: masked in Python.
        assert_eq!(mask("DATE_OF_BIRTH", "1 maj 1985 ö"), "");
        assert_eq!(mask("SE_ID_CARD_NUMBER", "١٢٣٤٥٦٧٨"), "");
        assert_eq!(mask("UNKNOWN", "x"), "");
    }
}
