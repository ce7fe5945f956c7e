//! Small text helpers that reproduce what Python's `str` methods do, so that a rule ported
//! from Python reads the same input the same way.

/// White space as Python's `str.split()` and `str.isspace()` see it: Unicode White_Space plus
/// the four ASCII information separators (U+001C-U+001F).
pub fn is_python_space(character: char) -> bool {
    character.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&character)
}

/// `" ".join(text.split())`: words separated by single spaces, no space at either end.
pub fn collapse_spaces(text: &str) -> String {
    collapse_split(text, is_python_space)
}

/// The non-empty pieces of `text` between the characters `cut` accepts, joined by single
/// spaces (one string built, no list of the pieces).
pub fn collapse_split(text: &str, cut: impl Fn(char) -> bool) -> String {
    let mut collapsed = String::with_capacity(text.len());
    for word in text.split(cut).filter(|word| !word.is_empty()) {
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
    }
    collapsed
}

/// Caseless form close to Python's `str.casefold()`: full lower-casing plus the foldings
/// where casefold and lower differ for Latin and Greek script (`ß`/`ẞ` to `ss`, long `ſ` to
/// `s`, final sigma to `σ`). Enough for place names; not a complete Unicode case fold.
pub fn casefold(text: &str) -> String {
    if text.is_ascii() {
        // ASCII folds to its lower case (most place names and streets).
        return text.to_ascii_lowercase();
    }
    let mut folded = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            'ß' | 'ẞ' => folded.push_str("ss"),
            'ſ' => folded.push('s'),
            'ς' | 'Σ' => folded.push('σ'),
            _ => folded.extend(character.to_lowercase()),
        }
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_like_python_split() {
        assert_eq!(collapse_spaces("  a\u{a0}\u{1f}b\n c "), "a b c");
        assert_eq!(collapse_spaces(""), "");
        assert_eq!(collapse_spaces(" \u{2003} "), "");
        assert_eq!(
            collapse_split("Storgatan 12,, 114 55 ,Stockholm", |c| c == ','
                || is_python_space(c)),
            "Storgatan 12 114 55 Stockholm"
        );
    }

    #[test]
    fn folds_case() {
        assert_eq!(casefold("GÖTEBORG"), "göteborg");
        assert_eq!(casefold("Straße"), "strasse");
        assert_eq!(casefold("ΟΔΟΣ"), "οδοσ");
        assert_eq!(casefold("Storgatan 12 A"), "storgatan 12 a");
        assert_eq!(casefold("K\u{212a}"), "kk");
    }
}
