//! Where the name model can matter (`piiscan/names/combine.py`, `model_windows`): around a
//! candidate the rules left undecided, or a capitalised word inside a sentence that is no
//! homograph, place, street or company name, has no `/` glued to it, labels no value (a
//! colon or a number after it), is no cell of a delimited line, is not its line's first
//! word after numbers only, does not begin a street name and stands in no technical line
//! (`Mozilla/5.0`), the sentence (or line) from [`MARGIN_BEFORE`] words before it to [`MARGIN_AFTER`] words after. Everything
//! else (prose in lower case, numbers and identifiers, lines whose names the rules settled,
//! the far ends of a long line) is never shown to the model. This is the one copy of these
//! rules; Python wraps it.
//!
//! Offsets are in characters (code points), as Python counts them.

use crate::names::{
    is_letter, is_letter_or_digit, is_lower, is_sentence_initial, Kind, NameRules, Token,
};
use crate::names_weigh::{Candidate, Evidence, HIGH};
use crate::text::{casefold, is_python_space};

/// Longest stretch of text the model reads at once; longer sentences are cut.
pub const MAX_WINDOW: usize = 1200;

/// Words of its sentence the model reads before what sends it there. The bundled model's
/// token vectors see four tokens either way (tok2vec: depth 4, window 1) and it reads left to
/// right, its entity decisions carrying an open entity along, so the words before need more
/// room than those after: with eight before and four after, what it decides about the words
/// that matter is what it decided on the whole sentence (every PERSON finding of the
/// benchmark corpora stayed as it was; seven before or three after was the least that did),
/// and a long line (a log line with a user agent, an SQL `INSERT`) costs what its few
/// capitalised words need, not its length.
pub const MARGIN_BEFORE: usize = 8;
/// Words of its sentence the model reads after what sends it there (see [`MARGIN_BEFORE`]).
pub const MARGIN_AFTER: usize = 4;

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

    /// A street name follows `end` after blanks (`Södra Långgatan`, `Västra Ringvägen`,
    /// `Lilla Nygatan`, `Norra Allén`; any case): the word before it is the street's first word.
    fn street_follows(&self, chars: &[char], end: usize) -> bool {
        let mut p = end;
        while p < chars.len() && matches!(chars[p], ' ' | '\u{a0}') {
            p += 1;
        }
        if p == end || !chars.get(p).is_some_and(|c| c.is_uppercase()) {
            return false;
        }
        let mut q = p;
        while q < chars.len() && (is_letter_or_digit(chars[q]) || chars[q] == '_') {
            q += 1;
        }
        let word: String = chars[p..q].iter().collect();
        self.street.is_match(&casefold(&word))
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
        // What sends a sentence to the model, as (start, end).
        let mut triggers: Vec<(usize, usize)> = candidates
            .iter()
            .filter(|c| {
                c.strength < HIGH
                    && c.evidence != Evidence::Cell
                    && !(c.evidence == Evidence::Single
                        && self.homograph_or_genitive(chars, c.start, c.end))
                    && !org_ahead(chars, c.end)
                    && !glued_to_slash(chars, c.end)
            })
            .map(|c| (c.start, c.end))
            .collect();
        let mut word = String::new();
        for token in words {
            if token.kind != Kind::Word
                || token.end > chars.len()
                || token.start >= token.end
                || is_sentence_initial(chars, token.start)
                || glued_to_slash(chars, token.end)
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
            if labels_a_value(chars, token.end)
                || in_delimited_line(chars, token.start, token.end)
                || first_word_of_line(chars, token.start)
                || self.street_follows(chars, token.end)
                || technical(chars, sentence_around(chars, token.start))
            {
                continue;
            }
            triggers.push((token.start, token.end));
        }
        triggers.sort_unstable();
        // A name the rules settled is read too when its sentence is: on the whole sentence
        // the model confirmed it or grew it ("Alban Bergs"), and it must still.
        let mut sentences: Vec<(usize, usize)> = Vec::new();
        for &(pos, _) in &triggers {
            let sentence = sentence_around(chars, pos);
            if sentences.last() != Some(&sentence) {
                sentences.push(sentence);
            }
        }
        sentences.sort_unstable();
        let before = triggers.len();
        for &(start, end) in &strong {
            let at = sentences.partition_point(|&(first, _)| first <= start);
            if at > 0 && start < sentences[at - 1].1 {
                triggers.push((start, end));
            }
        }
        if triggers.len() > before {
            triggers.sort_unstable();
        }
        let mut windows: Vec<(usize, usize)> = Vec::new();
        for (pos, end) in triggers {
            let (start, stop) = sentence_around(chars, pos);
            let window = (
                words_before(chars, start, pos, MARGIN_BEFORE),
                words_after(chars, end.min(stop).max(pos), stop, MARGIN_AFTER),
            );
            match windows.last_mut() {
                // Overlapping pieces of one sentence are read as one.
                Some(last) if window.0 < last.1 => last.1 = last.1.max(window.1),
                _ => windows.push(window),
            }
        }
        windows
    }
}

/// A word that labels what follows it, not a name: a colon right after it
/// (`Fakturadatum: 17/10`, `Plusgiro: 12 34 56-7`), or blanks and then a digit (`Box 4563`,
/// `Hamnplan 107C`, `Konsulttimmar   42 292 kr`, `Mobil 070-...`: a street, a box, an
/// article, a phone's label). On the benchmark corpora the model's person span on such a
/// word was always wrong or changed nothing; a name before a number (`Zorbo Quapp 070-...`)
/// is still read when the word before it sends the sentence to the model.
fn labels_a_value(chars: &[char], end: usize) -> bool {
    if chars.get(end) == Some(&':') {
        return true;
    }
    let mut p = end;
    while p < chars.len() && matches!(chars[p], ' ' | '\t' | '\u{a0}') {
        p += 1;
    }
    p > end && chars.get(p).is_some_and(char::is_ascii_digit)
}

/// A word that is a cell of a delimited line (`Namn,Födelsedatum,Telefon,Regnr`,
/// `2023;Kajsa Norman;`): a `,`, `;`, tab or `|` right before it, or a `;`, tab or `|` right
/// after it, or a `,` with no space after it. The model, which learned names in prose, read
/// column names there as persons (`Telefon` after `Namn`); a name in a cell is the rules'
/// (the gazetteer, the name column's context), as in a table read cell by cell.
fn in_delimited_line(chars: &[char], start: usize, end: usize) -> bool {
    let before = start.checked_sub(1).and_then(|at| chars.get(at));
    if matches!(before, Some(',' | ';' | '\t' | '|')) {
        return true;
    }
    match chars.get(end) {
        Some(';' | '\t' | '|') => true,
        Some(',') => chars
            .get(end + 1)
            .is_some_and(|&next| !matches!(next, ' ' | '\n')),
        _ => false,
    }
}

/// A word with only numbers before it on its line (`2024-05-17T08:08:00.518Z Samtal med`,
/// `12. Sammanfattning`: every word before it holds a digit or no letter): capitalised as
/// the line's first word, as at a sentence start. Looks back [`MAX_WINDOW`] / 2 characters
/// at most (a word further into its line is not its first).
fn first_word_of_line(chars: &[char], start: usize) -> bool {
    let floor = start.saturating_sub(MAX_WINDOW / 2);
    let mut p = start;
    let (mut digit, mut letter) = (false, false);
    while p > floor && chars[p - 1] != '\n' {
        p -= 1;
        let c = chars[p];
        if is_python_space(c) {
            if !word_of_numbers(digit, letter) {
                return false;
            }
            (digit, letter) = (false, false);
        } else if is_letter(c) {
            letter = true;
        } else if is_letter_or_digit(c) {
            digit = true;
        }
    }
    (p == 0 || chars[p - 1] == '\n') && word_of_numbers(digit, letter)
}

/// A word (a run of non-blanks) that holds a digit, or no letter.
fn word_of_numbers(digit: bool, letter: bool) -> bool {
    digit || !letter
}

/// A technical line rather than prose: the sentence `(start, end)` holds a letter, a `/` and
/// a digit in a row (`Mozilla/5.0`, `HTTP/1.1`, `AppleWebKit/537.36`): a user agent, a
/// request, a version string, whose capitalised words (`Gecko`, `Linux`) name products.
fn technical(chars: &[char], (start, end): (usize, usize)) -> bool {
    chars[start..end]
        .windows(3)
        .any(|w| w[0].is_ascii_alphabetic() && w[1] == '/' && w[2].is_ascii_digit())
}

/// A `/` right after a word (`Mozilla/5.0`, `Dec/2026`, `Safari/537.36`): the model's person
/// span there is dropped (`names_combine`), so such a word never sends its sentence to it.
fn glued_to_slash(chars: &[char], end: usize) -> bool {
    chars.get(end) == Some(&'/')
}

/// Where the `count` words (runs of non-space characters) before `at` begin, not before
/// `floor`: the left edge of a window.
pub fn words_before(chars: &[char], floor: usize, at: usize, count: usize) -> usize {
    let mut p = at.max(floor);
    for _ in 0..count {
        while p > floor && is_python_space(chars[p - 1]) {
            p -= 1;
        }
        if p == floor {
            break;
        }
        while p > floor && !is_python_space(chars[p - 1]) {
            p -= 1;
        }
    }
    p
}

/// Where the `count` words after `at` end, not after `ceiling`: the right edge of a window.
pub fn words_after(chars: &[char], at: usize, ceiling: usize, count: usize) -> usize {
    let mut p = at.min(ceiling);
    // The rest of the word `at` stands in ("Zorbo," after "Zorbo").
    while p < ceiling && !is_python_space(chars[p]) {
        p += 1;
    }
    for _ in 0..count {
        while p < ceiling && is_python_space(chars[p]) {
            p += 1;
        }
        if p == ceiling {
            break;
        }
        while p < ceiling && !is_python_space(chars[p]) {
            p += 1;
        }
    }
    p
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

    #[test]
    fn counts_words_either_side() {
        let text = chars("a bb  ccc, d\te Zorbo f gg (hh) i");
        let at = 15; // "Zorbo"
        let piece = |start: usize, end: usize| text[start..end].iter().collect::<String>();
        assert_eq!(piece(words_before(&text, 0, at, 2), at), "d\te ");
        assert_eq!(piece(words_before(&text, 0, at, 0), at), "");
        assert_eq!(
            piece(words_before(&text, 0, at, 99), at),
            "a bb  ccc, d\te "
        );
        assert_eq!(piece(words_before(&text, 5, at, 99), at), " ccc, d\te ");
        assert_eq!(
            piece(at, words_after(&text, at + 5, text.len(), 2)),
            "Zorbo f gg"
        );
        assert_eq!(
            piece(at, words_after(&text, at + 2, text.len(), 0)),
            "Zorbo"
        );
        assert_eq!(piece(at, words_after(&text, at + 5, 24, 99)), "Zorbo f g");
    }

    fn rules() -> NameRules {
        crate::names::tests::rules()
    }

    fn windows_of(text: &str) -> Vec<String> {
        let rules = rules();
        let chars = chars(text);
        let (groups, triggers) = rules.scan_chars(&chars);
        let candidates = rules.weigh_chars(&chars, &groups);
        rules
            .windows(&chars, &candidates, &triggers)
            .into_iter()
            .map(|(start, end)| chars[start..end].iter().collect())
            .collect()
    }

    #[test]
    fn reads_words_around_what_matters() {
        let long = "ett två tre fyra fem sex sju åtta nio tio elva tolv tretton fjorton";
        let text = format!("{long} Zorbo {long}.");
        assert_eq!(
            windows_of(&text),
            ["sju åtta nio tio elva tolv tretton fjorton Zorbo ett två tre fyra"]
        );
        // Two words close together are read in one window, two far apart in two.
        let text = format!("{long} Zorbo och Quapp {long}. Och {long} Xyzzy.");
        assert_eq!(
            windows_of(&text),
            [
                "sju åtta nio tio elva tolv tretton fjorton Zorbo och Quapp ett två tre fyra",
                "sju åtta nio tio elva tolv tretton fjorton Xyzzy."
            ]
        );
        // A name the rules settled is read with its sentence, not for itself.
        let text = format!("Vi såg Anna Andersson i går, {long} och Zorbo.");
        assert_eq!(
            windows_of(&text),
            [
                "Vi såg Anna Andersson i går, ett två",
                "åtta nio tio elva tolv tretton fjorton och Zorbo."
            ]
        );
        assert!(windows_of(&format!("Vi såg Anna Andersson i går, {long}.")).is_empty());
        // A word glued to a slash (a user agent, a log date) sends nothing to the model.
        assert!(
            windows_of("GET /x HTTP/1.1 200 Mozilla/5.0 Chrome/128.0 Safari/537.36").is_empty()
        );
        assert!(windows_of("[13/May/2026:05:53:49 +0100] GET").is_empty());
    }

    #[test]
    fn labels_cells_and_line_starts_send_nothing() {
        // (text, windows): a word before a colon or a number, a cell of a delimited line,
        // the first word of a line after a date, against the same words in prose.
        let table: &[(&str, &[&str])] = &[
            ("Vi har Fakturadatum: 17/10 2023", &[]),
            ("Brevet gick till Box 4563 i går.", &[]),
            ("Artikel A40923   Konsulttimmar   59 556 kr", &[]),
            ("Namn,Födelsedatum,Telefon,Regnr", &[]),
            ("2023;Kajsa;Xyla;Quapp", &[]),
            ("2024-05-17 08:08:00 Samtal med kunden", &[]),
            ("2024-05-17T08:08:00.518Z Samtal med kunden", &[]),
            ("Brevet gick till Södra Långgatan i går.", &[]),
            (
                "Mozilla/5.0 (X11; Linux x86_64) (KHTML, like Gecko) Chrome",
                &[],
            ),
            (
                "Vi ringde Zorbo och Södra i går.",
                &["Vi ringde Zorbo och Södra i går."],
            ),
            ("Kl 12 ringde Zorbo i går.", &["Kl 12 ringde Zorbo i går."]),
            ("Vi ringde Zorbo i går.", &["Vi ringde Zorbo i går."]),
            (
                "Vi ringde Zorbo, sedan åt vi.",
                &["Vi ringde Zorbo, sedan åt vi."],
            ),
            (
                "2024-05-17 samtal med Zorbo",
                &["2024-05-17 samtal med Zorbo"],
            ),
            ("Vi ringde Zorbo Quapp 070", &["Vi ringde Zorbo Quapp 070"]),
        ];
        for (text, expected) in table {
            assert_eq!(windows_of(text), *expected, "{text}");
        }
        let text = chars("Box 12 Box\t7 Box: Box, Box,x Box;");
        let ends = [3, 10, 16, 21, 26, 32];
        let labels: Vec<bool> = ends.iter().map(|&end| labels_a_value(&text, end)).collect();
        assert_eq!(labels, [true, true, true, false, false, false]);
        let cells: Vec<bool> = ends
            .iter()
            .map(|&end| in_delimited_line(&text, end - 3, end))
            .collect();
        assert_eq!(cells, [false, true, false, false, true, true]);
    }
}
