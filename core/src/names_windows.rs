//! Where the name model can matter (`piiscan/names/combine.py`, `model_windows`): the
//! sentences (or lines) that hold a candidate the rules left undecided, or a capitalised word
//! inside a sentence that is no homograph, place, street or company name. Everything else
//! (prose in lower case, numbers and identifiers, lines whose names the rules settled) is
//! never shown to the model. This is the one copy of these rules; Python wraps it.
//!
//! Offsets are in characters (code points), as Python counts them.

use crate::names::{is_letter, is_lower, is_sentence_initial, Kind, NameRules, Token};
use crate::names_weigh::{Candidate, Evidence, HIGH};
use crate::text::casefold;

/// Longest stretch of text the model reads at once; longer sentences are cut.
pub const MAX_WINDOW: usize = 1200;

/// Company forms right after a word (`Testbolaget AB`, `Nordic Oy`, `Acme GmbH`).
const ORG_AFTER: [&str; 15] = [
    "AB",
    "HB",
    "KB",
    "Ab",
    "AS",
    "ASA",
    "Oy",
    "Oyj",
    "GmbH",
    "Ltd",
    "Inc",
    "LLC",
    "Aktiebolag",
    "& Co",
    "och Co",
];
/// Legal forms a few words ahead on the same line.
const ORG_AHEAD: [&str; 6] = [
    "AB",
    "HB",
    "KB",
    "Aktiebolag",
    "ekonomisk förening",
    "ideell förening",
];

fn starts_with_at(chars: &[char], at: usize, word: &str) -> Option<usize> {
    let mut p = at;
    for expected in word.chars() {
        if chars.get(p) != Some(&expected) {
            return None;
        }
        p += 1;
    }
    Some(p)
}

/// `combine._ORG_AFTER.match(text, end)`: blanks and a company form, or a hyphen and a
/// lower-case letter (`Volvo-ägda`).
pub fn org_after(chars: &[char], end: usize) -> bool {
    if chars.get(end) == Some(&'-') {
        return chars.get(end + 1).is_some_and(|&c| is_lower(c));
    }
    let mut p = end;
    while p < chars.len() && matches!(chars[p], ' ' | '\t') {
        p += 1;
    }
    if p == end {
        return false;
    }
    ORG_AFTER.iter().any(|form| {
        starts_with_at(chars, p, form)
            .is_some_and(|after| chars.get(after).map_or(true, |&c| !is_letter(c)))
    })
}

/// `combine._org_ahead`: a legal form follows on the same line within 48 characters, after
/// nothing but letters, `&`, blanks and hyphens.
pub fn org_ahead(chars: &[char], end: usize) -> bool {
    let mut limit = chars.len().min(end + 48);
    if let Some(newline) = chars[end.min(limit)..limit].iter().position(|&c| c == '\n') {
        limit = end + newline;
    }
    let ahead = &chars[end.min(limit)..limit];
    for p in 0..=ahead.len() {
        if p > 0 {
            let c = ahead[p - 1];
            if !(is_letter(c) || matches!(c, '&' | ' ' | '\t' | '-')) {
                return false; // the prefix may hold only these
            }
        }
        if p > 0 && is_letter(ahead[p - 1]) {
            continue;
        }
        let found = ORG_AHEAD.iter().any(|form| {
            starts_with_at(ahead, p, form)
                .is_some_and(|after| ahead.get(after).map_or(true, |&c| !is_letter(c)))
        });
        if found {
            return true;
        }
    }
    false
}

/// `combine._sentence_around`: the sentence or line around `pos`, at most [`MAX_WINDOW`]
/// characters.
pub fn sentence_around(chars: &[char], pos: usize) -> (usize, usize) {
    let n = chars.len();
    let mut start = pos;
    while start > 0
        && chars[start - 1] != '\n'
        && !(matches!(chars[start - 1], ' ' | '\t')
            && start >= 2
            && matches!(chars[start - 2], '.' | '!' | '?'))
    {
        start -= 1;
        if pos - start >= MAX_WINDOW / 2 {
            break;
        }
    }
    let mut end = pos;
    while end < n
        && chars[end] != '\n'
        && !(matches!(chars[end], '.' | '!' | '?')
            && (end + 1 == n || matches!(chars[end + 1], ' ' | '\t' | '\n')))
    {
        end += 1;
        if end - start >= MAX_WINDOW {
            break;
        }
    }
    if end < n && matches!(chars[end], '.' | '!' | '?') {
        end += 1;
    }
    (start, end)
}

impl NameRules {
    /// `gaz.is_homograph(word) or (word.endswith("s") and gaz.is_homograph(word[:-1]))`.
    fn homograph_or_genitive(&self, chars: &[char], start: usize, end: usize) -> bool {
        let word: String = chars[start..end].iter().collect();
        let key = casefold(&word);
        let homographs = &self.lists.homographs;
        homographs.contains(&key)
            || (word.ends_with('s') && homographs.contains(&casefold(&word[..word.len() - 1])))
    }

    /// The windows the model must read (`combine.model_windows`), from the candidates and
    /// the capitalised words of the text (any tokens; those that cannot send their sentence
    /// to the model are left out here).
    pub fn windows(
        &self,
        chars: &[char],
        candidates: &[Candidate],
        words: &[Token],
    ) -> Vec<(usize, usize)> {
        let strong: Vec<(usize, usize)> = candidates
            .iter()
            .filter(|c| c.strength >= HIGH)
            .map(|c| (c.start, c.end))
            .collect();
        let mut triggers: Vec<usize> = candidates
            .iter()
            .filter(|c| {
                c.strength < HIGH
                    && c.evidence != Evidence::Cell
                    && !(c.evidence == Evidence::Single
                        && self.homograph_or_genitive(chars, c.start, c.end))
                    && !org_ahead(chars, c.end)
            })
            .map(|c| c.start)
            .collect();
        let mut word = String::new();
        for token in words {
            if token.kind != Kind::Word
                || token.end > chars.len()
                || token.start >= token.end
                || is_sentence_initial(chars, token.start)
            {
                continue;
            }
            let at = strong.partition_point(|&(start, _)| start <= token.start);
            if at > 0 && token.start < strong[at - 1].1 {
                continue; // inside a name the rules settled
            }
            word.clear();
            word.extend(&chars[token.start..token.end]);
            if !self.may_trigger(&word) {
                continue;
            }
            if org_after(chars, token.end) || org_ahead(chars, token.end) {
                continue;
            }
            if chars.get(token.end) == Some(&'.')
                && chars.get(token.end + 1).is_some_and(|c| c.is_lowercase())
            {
                continue; // an abbreviation: "Pers.nr", "Org.nr"
            }
            triggers.push(token.start);
        }
        triggers.sort_unstable();
        let mut windows: Vec<(usize, usize)> = Vec::new();
        for pos in triggers {
            if let Some(&(start, end)) = windows.last() {
                if start <= pos && pos < end {
                    continue;
                }
            }
            windows.push(sentence_around(chars, pos));
        }
        windows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(text: &str) -> Vec<char> {
        text.chars().collect()
    }

    #[test]
    fn finds_company_forms() {
        let table: &[(&str, bool)] = &[
            ("Volvo AB", true),
            ("Nordic ASA i Oslo", true),
            ("Nordic ASAP", false),
            ("Volvo-ägda", true),
            ("Volvo-Scania", false),
            ("Volvo och Co", true),
            ("Volvo", false),
        ];
        for (text, expected) in table {
            let text = chars(text);
            let end = text
                .iter()
                .position(|&c| !is_letter(c))
                .unwrap_or(text.len());
            assert_eq!(org_after(&text, end), *expected, "{text:?}");
        }
        let ahead: &[(&str, bool)] = &[
            ("Bygg & Måleri AB, 556", true),
            ("Bygg, Måleri AB", false),
            ("Bygg\nAB", false),
            ("Bygg ekonomisk förening", true),
            ("ByggAB", false),
        ];
        for (text, expected) in ahead {
            assert_eq!(org_ahead(&chars(text), 0), *expected, "{text}");
        }
    }

    #[test]
    fn cuts_sentences() {
        let text = chars("Hej. Vi såg Zorbo i går! Sedan\nnästa rad.");
        let at = 12; // "Zorbo"
        let (start, end) = sentence_around(&text, at);
        assert_eq!(
            text[start..end].iter().collect::<String>(),
            "Vi såg Zorbo i går!"
        );
        let (start, end) = sentence_around(&text, 35);
        assert_eq!(text[start..end].iter().collect::<String>(), "nästa rad.");
    }
}
