//! Weighing the runs of capitalised words (`crate::names`) into person-name candidates: which
//! words of a run form a name (given names, particles, surname), how strong the gazetteer
//! and the run's shape make it, and what its position adds or takes away (a greeting, a
//! closing, a field label or a title before it; a street word, a company's legal form or an
//! abbreviation's full stop after it). `piiscan/names/rules.py` documents the rules and keeps
//! the Python wrapper (`find_candidates`); this is their one copy.
//!
//! Offsets are in characters (code points), as Python counts them.

use crate::names::{
    is_letter, is_letter_or_digit, is_sentence_initial, is_upper, Kind, NameRules, Position, Token,
    WordHasher,
};
use crate::text::{casefold, is_python_space};

/// A first name alone counts only when at least this many people bear it.
pub const MIN_SINGLE_BEARERS: u64 = 200;

/// How strong a candidate is (`Strength` in Python: 1 low, 2 medium, 3 high).
pub const LOW: u8 = 1;
pub const MEDIUM: u8 = 2;
pub const HIGH: u8 = 3;

/// Why a span was taken for a name (`rules.Evidence`; the flag values name them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    Pair,
    Initials,
    Given,
    Single,
    Surname,
    Greeting,
    Signature,
    Field,
    Title,
    Cell,
}

impl Evidence {
    /// The flag value (`rules.Evidence.value`).
    pub fn name(self) -> &'static str {
        match self {
            Evidence::Pair => "name_pair",
            Evidence::Initials => "initials",
            Evidence::Given => "given_names",
            Evidence::Single => "single_name",
            Evidence::Surname => "surname_only",
            Evidence::Greeting => "greeting",
            Evidence::Signature => "signature",
            Evidence::Field => "field",
            Evidence::Title => "title",
            Evidence::Cell => "cell",
        }
    }

    /// The evidence of this flag value.
    pub fn from_name(name: &str) -> Option<Evidence> {
        [
            Evidence::Pair,
            Evidence::Initials,
            Evidence::Given,
            Evidence::Single,
            Evidence::Surname,
            Evidence::Greeting,
            Evidence::Signature,
            Evidence::Field,
            Evidence::Title,
            Evidence::Cell,
        ]
        .into_iter()
        .find(|evidence| evidence.name() == name)
    }

    fn of(position: Position) -> Evidence {
        match position {
            Position::Field => Evidence::Field,
            Position::Signature => Evidence::Signature,
            Position::Greeting => Evidence::Greeting,
            Position::Title => Evidence::Title,
        }
    }

    /// Candidates without a full name: a word like these that begins a company name is the
    /// company's, not a person's.
    fn one_word(self) -> bool {
        matches!(self, Evidence::Single | Evidence::Surname | Evidence::Cell)
    }
}

/// A span that may be a person's name (`rules.NameCandidate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub start: usize,
    pub end: usize,
    pub strength: u8,
    pub evidence: Evidence,
    /// Some word of the span is a known first name or surname.
    pub hit: bool,
}

/// What the gazetteer says of one token (`rules._Word`).
#[derive(Clone, Copy, Debug)]
struct Word {
    token: Token,
    /// Bearers as a first name.
    first: u64,
    /// A known surname.
    surname: bool,
    /// Surname-shaped.
    shaped: bool,
    homograph: bool,
    /// The word holds a `-` (`Anna-Karin`).
    hyphen: bool,
    /// Matched only without a final -s.
    genitive: bool,
    place: bool,
}

/// A [`Word`] less its token: what the gazetteer says of a word's text.
#[derive(Clone, Copy)]
struct Facts {
    first: u64,
    surname: bool,
    shaped: bool,
    homograph: bool,
    hyphen: bool,
    genitive: bool,
    place: bool,
}

/// The facts of the words met so far in one text, by the word's text.
type Seen = std::collections::HashMap<String, Facts, std::hash::BuildHasherDefault<WordHasher>>;

/// Words after a name that make it a place: `Anna Lindhs gata`, `Viktor Rydbergs skola`.
const PLACE_WORDS: [&str; 20] = [
    "gata",
    "gatan",
    "väg",
    "vägen",
    "gränd",
    "torg",
    "plats",
    "allé",
    "backe",
    "park",
    "skola",
    "skolan",
    "sjukhus",
    "stiftelse",
    "fond",
    "pris",
    "priset",
    "institutet",
    "center",
    "centrum",
];
/// Swedish legal forms that end a company name, matched ignoring case (`AB`, `HB` and `KB`
/// only in capitals).
const LEGAL_FORMS: [&str; 3] = ["AB", "HB", "KB"];
const LEGAL_FORMS_ANY_CASE: [&str; 5] = [
    "aktiebolag",
    "handelsbolag",
    "kommanditbolag",
    "ekonomisk förening",
    "ideell förening",
];

fn is_blank(character: char) -> bool {
    matches!(character, ' ' | '\t' | '\u{a0}')
}

impl NameRules {
    fn bearers_of_key(&self, key: &str) -> u64 {
        let first_names = &self.lists.first_names;
        if let Some(&bearers) = first_names.get(key) {
            return bearers;
        }
        if !key.contains('-') {
            return 0;
        }
        let mut least = u64::MAX;
        for part in key.split('-') {
            match first_names.get(part) {
                Some(&bearers) if bearers > 0 => least = least.min(bearers),
                _ => return 0,
            }
        }
        least
    }

    fn surname_key(&self, key: &str) -> bool {
        let surnames = &self.lists.surnames;
        surnames.contains(key)
            || (key.contains('-') && key.split('-').all(|part| surnames.contains(part)))
    }

    /// `rules._classify`: what the gazetteer says of `token`, asked once per distinct word
    /// of a text (`seen`; `word` is a buffer for the token's text).
    fn classify(&self, chars: &[char], token: Token, seen: &mut Seen, word: &mut String) -> Word {
        word.clear();
        word.extend(&chars[token.start..token.end]);
        let facts = match seen.get(word.as_str()) {
            Some(facts) => *facts,
            None => {
                let facts = self.word_facts_of(word);
                seen.insert(word.clone(), facts);
                facts
            }
        };
        Word {
            token,
            first: facts.first,
            surname: facts.surname,
            shaped: facts.shaped,
            homograph: facts.homograph,
            hyphen: facts.hyphen,
            genitive: facts.genitive,
            place: facts.place,
        }
    }

    /// What the gazetteer says of the text `word` (all of a [`Word`] but its token).
    fn word_facts_of(&self, word: &str) -> Facts {
        let key = casefold(word);
        let mut first = self.bearers_of_key(&key);
        let mut surname = self.surname_key(&key);
        let mut genitive = false;
        if first == 0 && !surname && word.ends_with('s') && word.chars().count() > 3 {
            // The case fold of "s" is "s": the stem's key is the key less its last letter.
            let stem = &key[..key.len() - 1];
            first = self.bearers_of_key(stem);
            surname = self.surname_key(stem);
            genitive = first > 0 || surname;
        }
        let homographs = &self.lists.homographs;
        let homograph = homographs.contains(&key)
            || key
                .split('-')
                .next()
                .is_some_and(|part| homographs.contains(part));
        Facts {
            first,
            surname,
            shaped: self.is_surname_shaped(word),
            homograph,
            hyphen: word.contains('-'),
            genitive,
            place: self.lists.places.contains(&key),
        }
    }

    /// Every name candidate in the runs `groups` of `text`, in text order
    /// (`rules.find_candidates`).
    pub fn weigh(&self, text: &str, groups: &[Vec<Token>]) -> Vec<Candidate> {
        let chars: Vec<char> = text.chars().collect();
        self.weigh_chars(&chars, groups)
    }

    /// [`NameRules::weigh`] of a text already split into characters.
    pub fn weigh_chars(&self, chars: &[char], groups: &[Vec<Token>]) -> Vec<Candidate> {
        let whole = stripped(chars);
        let mut out = Vec::new();
        let mut seen = Seen::default();
        let mut word = String::new();
        for group in groups {
            if group
                .iter()
                .any(|token| token.start >= token.end || token.end > chars.len())
            {
                continue; // not a run of this text (handed in from outside)
            }
            self.run_candidates(chars, group, whole, &mut out, (&mut seen, &mut word));
        }
        self.merge_surname_first(chars, out)
    }

    /// `rules._run_candidates`: the candidates of one run.
    fn run_candidates(
        &self,
        chars: &[char],
        group: &[Token],
        whole: (usize, usize),
        out: &mut Vec<Candidate>,
        (seen, word): (&mut Seen, &mut String),
    ) {
        let Some((first, last)) = group.first().zip(group.last()) else {
            return;
        };
        let words: Vec<Word> = group
            .iter()
            .map(|&token| self.classify(chars, token, seen, word))
            .collect();
        let known = words.iter().any(|word| {
            word.token.kind == Kind::Initial || word.first > 0 || word.surname || word.shaped
        });
        if !known
            && whole != (first.start, last.end)
            && self.context_strength(chars, first.start).is_none()
        {
            return; // only unknown words: a name only in a strong position or as a cell
        }
        let mut i = 0;
        while i < words.len() {
            if words[i].token.kind == Kind::Particle {
                i += 1;
                continue;
            }
            let Some((used, strength, evidence, hit)) = assess(&words[i..]) else {
                i += 1;
                continue;
            };
            let last = words[i + used - 1];
            let end = last.token.end - usize::from(last.genitive);
            let found = self.with_context(
                chars,
                words[i].token.start,
                end,
                (strength, evidence, hit),
                &words[i..i + used],
                whole,
            );
            out.extend(found);
            i += used;
        }
    }

    /// `rules._with_context`: what the position of a name adds or takes away.
    fn with_context(
        &self,
        chars: &[char],
        start: usize,
        end: usize,
        (mut strength, mut evidence, hit): (u8, Evidence, bool),
        words: &[Word],
        whole: (usize, usize),
    ) -> Option<Candidate> {
        if place_after(chars, end) {
            return None;
        }
        if evidence.one_word() && company_rest(chars, end) {
            return None;
        }
        if evidence.one_word()
            && chars.get(end) == Some(&'.')
            && chars.get(end + 1).is_some_and(|c| c.is_lowercase())
        {
            return None; // an abbreviation: "Pers.nr", "Org.nr", "Tel.nr"
        }
        let context = self.context_strength(chars, start);
        match context {
            Some(Position::Title) => {
                strength = (strength + 1).min(HIGH);
                if strength >= MEDIUM {
                    evidence = Evidence::Title;
                }
            }
            Some(position) => {
                if hit {
                    strength = HIGH;
                } else if words.len() >= 2 || position == Position::Field {
                    strength = MEDIUM;
                }
                if strength >= MEDIUM {
                    evidence = Evidence::of(position);
                }
            }
            None => {
                if matches!(
                    evidence,
                    Evidence::Single | Evidence::Cell | Evidence::Surname
                ) && is_sentence_initial(chars, start)
                    && strength > LOW
                    && words[0].homograph
                {
                    strength = LOW;
                }
            }
        }
        // A capitalised unknown word is a candidate only when it is all the text (a cell).
        if evidence == Evidence::Cell && context.is_none() && whole != (start, end) {
            return None;
        }
        Some(Candidate {
            start,
            end,
            strength,
            evidence,
            hit,
        })
    }

    /// `rules._merge_surname_first`: join `Andersson, Anna` into one candidate.
    fn merge_surname_first(&self, chars: &[char], found: Vec<Candidate>) -> Vec<Candidate> {
        let mut merged = Vec::with_capacity(found.len());
        let mut i = 0;
        while i < found.len() {
            let current = found[i];
            if let Some(&next) = found.get(i + 1) {
                if matches!(
                    current.evidence,
                    Evidence::Surname | Evidence::Field | Evidence::Cell
                ) && matches!(next.evidence, Evidence::Single | Evidence::Given)
                    && surname_first_gap(chars, current.end, next.start)
                {
                    let word: String = chars[current.start..current.end].iter().collect();
                    if self.is_known_surname(&word) || self.is_surname_shaped(&word) {
                        merged.push(Candidate {
                            start: current.start,
                            end: next.end,
                            strength: current.strength.max(next.strength).max(MEDIUM),
                            evidence: if current.evidence == Evidence::Surname {
                                Evidence::Pair
                            } else {
                                current.evidence
                            },
                            hit: true,
                        });
                        i += 2;
                        continue;
                    }
                }
            }
            merged.push(current);
            i += 1;
        }
        merged
    }
}

/// `rules._assess`: the best name starting at `words[0]`: (words used, strength, evidence,
/// gazetteer hit).
fn assess(words: &[Word]) -> Option<(usize, u8, Evidence, bool)> {
    let n = words.len();
    let mut i = 0;
    let mut given: Vec<&Word> = Vec::new();
    while i < n && given.len() < 3 {
        let word = &words[i];
        if word.token.kind == Kind::Initial || (word.first > 0 && !word.genitive) {
            given.push(word);
            i += 1;
            continue;
        }
        break;
    }
    // A particle (af, von, de) may only stand between the given names and the surname.
    let mut j = i;
    while j < n && words[j].token.kind == Kind::Particle {
        j += 1;
    }
    let mut surname: Vec<&Word> = Vec::new();
    let mut k = j;
    while k < n && surname.len() < 2 && words[k].token.kind == Kind::Word {
        surname.push(&words[k]);
        k += 1;
        if words[k - 1].genitive {
            break;
        }
    }
    let real_given: Vec<&Word> = given
        .iter()
        .copied()
        .filter(|word| word.token.kind == Kind::Word)
        .collect();
    let initials = given.len() - real_given.len();
    let known_sur = surname.iter().filter(|word| word.surname || word.shaped);
    let any_known_sur = known_sur.clone().next().is_some();
    let strong_sur = known_sur.clone().any(|word| !word.homograph);
    let hit = !real_given.is_empty() || any_known_sur;
    let given_plain = real_given.iter().any(|word| !word.homograph);
    if !given.is_empty() && !surname.is_empty() {
        if !real_given.is_empty() {
            let strength = if strong_sur || (given_plain && any_known_sur) {
                HIGH
            } else if given_plain {
                MEDIUM
            } else {
                LOW // "Siv Lund", "Per Holm": both are also words; "Per Capita"
            };
            return Some((k, strength, Evidence::Pair, hit));
        }
        let strength = if any_known_sur { MEDIUM } else { LOW };
        return Some((k, strength, Evidence::Initials, hit));
    }
    if let Some(&word) = real_given.first() {
        let hyphenated = real_given.len() == 1 && word.hyphen;
        if real_given.len() >= 2 || hyphenated {
            let strength = if given_plain { MEDIUM } else { LOW };
            return Some((given.len(), strength, Evidence::Given, true));
        }
        if !word.homograph && word.first >= MIN_SINGLE_BEARERS {
            return Some((1, MEDIUM, Evidence::Single, true));
        }
        return Some((1, LOW, Evidence::Single, true));
    }
    if initials > 0 {
        return None;
    }
    // No given name: a surname alone, possibly "Andersson, Anna".
    let word = &words[0];
    if (word.surname || word.shaped) && !word.homograph && !word.place {
        return Some((1, LOW, Evidence::Surname, word.surname));
    }
    // Unknown capitalised words: kept whole (up to three) for a cell or a strong position.
    let mut used = 1;
    while used < n.min(3) && words[used].token.kind == Kind::Word && words[used].first == 0 {
        used += 1;
    }
    Some((used, LOW, Evidence::Cell, false))
}

/// `text.strip()` as a character range: where the text's first and last non-space
/// characters stand (an empty range at 0 for a blank text).
fn stripped(chars: &[char]) -> (usize, usize) {
    let Some(start) = chars.iter().position(|&c| !is_python_space(c)) else {
        return (0, 0);
    };
    let end = chars
        .iter()
        .rposition(|&c| !is_python_space(c))
        .map_or(start, |at| at + 1);
    (start, end)
}

/// `rules._PLACE_AFTER` on the 24 characters after `end`: an optional genitive `s`, spaces
/// and a street, school or foundation word (`Anna Lindhs gata`).
fn place_after(chars: &[char], end: usize) -> bool {
    let limit = chars.len().min(end + 24);
    let view = &chars[end.min(limit)..limit];
    let mut p = usize::from(view.first() == Some(&'s'));
    let spaces = p;
    while p < view.len() && matches!(view[p], ' ' | '\t') {
        p += 1;
    }
    if p == spaces {
        return false;
    }
    PLACE_WORDS.iter().any(|word| {
        let after = p + word.chars().count();
        after <= view.len()
            && view[p..after].iter().copied().eq(word.chars())
            && view.get(after).map_or(true, |&c| !is_letter(c))
    })
}

/// `rules._COMPANY_REST` at `end`: up to four more words on the line (capitalised, digits,
/// `&`, `och`, `i`), then a legal form: `Testfirman[ i Norr AB]`, `Lindqvist[ & Söner HB]`.
fn company_rest(chars: &[char], end: usize) -> bool {
    let n = chars.len();
    let mut p = end;
    for words in 0..=4 {
        let mut q = p;
        while q < n && is_blank(chars[q]) {
            q += 1;
        }
        if q == p || q == n {
            return false;
        }
        if legal_form_at(chars, q) {
            return true;
        }
        if words == 4 {
            return false;
        }
        // The next word: each form must be followed by blanks for a legal form to follow,
        // so only the whole run of word characters can be one.
        let first = chars[q];
        let r = if first == '&' {
            q + 1
        } else if is_upper(first) || is_digit(first) {
            let mut r = q + 1;
            while r < n && (is_letter_or_digit(chars[r]) || chars[r] == '-') {
                r += 1;
            }
            r
        } else if chars[q..].starts_with(&['o', 'c', 'h']) {
            q + 3
        } else if first == 'i' {
            q + 1
        } else {
            return false;
        };
        p = r;
    }
    false
}

/// `\d`: a decimal digit of any script.
fn is_digit(character: char) -> bool {
    is_letter_or_digit(character) && !is_letter(character)
}

/// A legal form at `at`, not glued to a letter or digit after it.
fn legal_form_at(chars: &[char], at: usize) -> bool {
    let free = |end: usize| chars.get(end).map_or(true, |&c| !is_letter_or_digit(c));
    let exact = LEGAL_FORMS.iter().any(|form| {
        let end = at + form.len(); // ASCII
        end <= chars.len() && chars[at..end].iter().copied().eq(form.chars()) && free(end)
    });
    exact
        || LEGAL_FORMS_ANY_CASE.iter().any(|form| {
            let end = at + form.chars().count();
            end <= chars.len()
                && chars[at..end].iter().zip(form.chars()).all(|(&c, f)| {
                    if f == ' ' {
                        matches!(c, ' ' | '\t')
                    } else {
                        c == f || c.to_lowercase().eq(f.to_lowercase())
                    }
                })
                && free(end)
        })
}

/// `rules._SURNAME_FIRST`: the gap between a surname and a given name in `Andersson, Anna`
/// is a comma and at most one space or tab.
fn surname_first_gap(chars: &[char], end: usize, start: usize) -> bool {
    match chars.get(end..start) {
        Some([',']) => true,
        Some([',', c]) => matches!(c, ' ' | '\t'),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::{token_runs, WordLists};

    fn words(list: &[&str]) -> crate::names::WordSet {
        list.iter().map(|word| word.to_string()).collect()
    }

    fn rules() -> NameRules {
        NameRules::new(WordLists {
            first_names: [
                ("anna", 60000),
                ("per", 40000),
                ("karin", 50000),
                ("olof", 20000),
                ("siv", 150),
            ]
            .into_iter()
            .map(|(name, bearers)| (name.to_string(), bearers))
            .collect(),
            surnames: words(&["andersson", "lund", "berg"]),
            homographs: words(&["per", "lund", "siv"]),
            places: words(&["umeå", "lund"]),
            surname_suffixes: ["sson", "berg", "lund"].map(String::from).to_vec(),
            street_endings: ["gatan", "vägen"].map(String::from).to_vec(),
            field_labels: words(&["namn", "kontaktperson"]),
            closings: words(&["med vänlig hälsning", "mvh"]),
            closing_words: words(&["mvh"]),
            greetings: words(&["hej"]),
            titles: words(&["herr", "kunden"]),
            abbreviated_titles: words(&["dr"]),
        })
        .expect("valid lists")
    }

    fn weighed(text: &str) -> Vec<(String, u8, &'static str)> {
        let rules = rules();
        let chars: Vec<char> = text.chars().collect();
        rules
            .weigh_chars(&chars, &token_runs(&chars))
            .into_iter()
            .map(|c| {
                let span: String = chars[c.start..c.end].iter().collect();
                (span, c.strength, c.evidence.name())
            })
            .collect()
    }

    #[test]
    fn weighs_runs() {
        type Row<'a> = (&'a str, &'a [(&'a str, u8, &'a str)]);
        let table: &[Row] = &[
            (
                "Vi såg Anna Andersson i går.",
                &[("Anna Andersson", HIGH, "name_pair")],
            ),
            ("Vi såg Siv Lund i går.", &[("Siv Lund", LOW, "name_pair")]),
            ("Hej Siv Lund,", &[("Siv Lund", HIGH, "greeting")]),
            ("Vi såg Anna i går.", &[("Anna", MEDIUM, "single_name")]),
            ("Vi såg Annas bil.", &[]),
            ("Namn: Zorbo Quapp", &[("Zorbo Quapp", MEDIUM, "field")]),
            ("Vi såg Zorbo Quapp.", &[]),
            ("Zorbo Quapp", &[("Zorbo Quapp", LOW, "cell")]),
            (
                "Andersson, Anna",
                &[("Andersson, Anna", MEDIUM, "name_pair")],
            ),
            (
                "Med vänlig hälsning\nAnna-Karin",
                &[("Anna-Karin", HIGH, "signature")],
            ),
            ("herr A. Andersson", &[("A. Andersson", HIGH, "title")]),
            ("Vi på Andersson Bygg i Norr AB", &[]),
            ("Vi på Andersson Bygg Aktiebolag", &[]),
            ("Vi på Anderssons gata", &[]),
            (
                "Vi på Andersson Bygg & Co",
                &[("Andersson", LOW, "surname_only")],
            ),
            ("Se Andersson.nr", &[]),
            ("Vi såg Andersson  ", &[("Andersson", LOW, "surname_only")]),
        ];
        for (text, expected) in table {
            let expected: Vec<(String, u8, &str)> = expected
                .iter()
                .map(|(span, strength, evidence)| (span.to_string(), *strength, *evidence))
                .collect();
            assert_eq!(weighed(text), expected, "{text}");
        }
    }
}
