//! The hot part of the person-name scan (`piiscan/names/rules.py`): finding the runs of
//! capitalised words, initials and particles in one pass over the text, looking their words up
//! in the gazetteer, and judging a word's position (a greeting, a closing, a field label or a
//! title before it; the start of a sentence).
//!
//! What comes back is what the Python rules would read off every token of the text
//! (`NameScan` on a short text): the runs that may give a name candidate, and the words inside
//! sentences that may send their sentence to the model. The rules that turn runs into
//! candidates are in [`crate::names_weigh`], those that choose the model's windows in
//! [`crate::names_windows`]; the word lists (gazetteer, labels, titles) are handed in by the
//! Python side, so each exists once.
//!
//! Offsets are in characters (code points), as Python counts them.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use regex::Regex;

use crate::text::{casefold, is_python_space};

/// What a token is, as `rules.Token.kind` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Word,
    Initial,
    Particle,
}

impl Kind {
    /// The name the Python rules use.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Word => "word",
            Kind::Initial => "initial",
            Kind::Particle => "particle",
        }
    }
}

/// A capitalised word, an initial or a name particle: character offsets and its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

/// The strong position a word stands in (`rules.Evidence` of the same names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    Field,
    Signature,
    Greeting,
    Title,
}

/// A small multiplicative hash for the word lists' look-ups (the scan asks about every
/// capitalised word; std's SipHash was an eighth of the scan's instructions, callgrind). The
/// tables are built from the gazetteer, not from the text, so a text cannot flood them.
#[derive(Clone, Copy, Default)]
pub struct WordHasher {
    hash: u64,
}

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A set of case-folded words, hashed with [`WordHasher`].
pub type WordSet = HashSet<String, BuildHasherDefault<WordHasher>>;
/// Case-folded words with a count, hashed with [`WordHasher`].
pub type WordCounts = HashMap<String, u64, BuildHasherDefault<WordHasher>>;

/// The word lists the scan reads, each case-folded as the Python gazetteer keeps them.
#[derive(Default)]
pub struct WordLists {
    pub first_names: WordCounts,
    pub surnames: WordSet,
    pub homographs: WordSet,
    pub places: WordSet,
    /// Swedish surname endings (`-sson`, `-berg` ...).
    pub surname_suffixes: Vec<String>,
    /// Endings of street names (`gatan`, `vägen` ...), matched case-sensitively.
    pub street_endings: Vec<String>,
    pub field_labels: WordSet,
    pub closings: WordSet,
    pub closing_words: WordSet,
    pub greetings: WordSet,
    pub titles: WordSet,
    pub abbreviated_titles: WordSet,
}

/// The compiled name scan: word lists and the surname-shape and street patterns.
pub struct NameRules {
    pub(crate) lists: WordLists,
    surname_shape: Regex,
    pub(crate) street: Regex,
}

/// Name particles in the order the Python `_PARTICLE` alternation tries them.
const PARTICLES: [&str; 11] = [
    "af", "von", "van", "der", "den", "de", "da", "di", "del", "la", "le",
];
const OPENERS: &str = " \u{a0}\"'«»”“(–-•*>";
const SENTENCE_START: &str = ".!?:;|\t\n\r";

fn alternation(words: &[String]) -> String {
    let mut sorted: Vec<&String> = words.iter().collect();
    sorted.sort_by_key(|word| std::cmp::Reverse(word.chars().count()));
    sorted
        .iter()
        .map(|word| regex::escape(word))
        .collect::<Vec<_>>()
        .join("|")
}

/// One character against a Unicode general-category class, with ASCII and Latin-1 answered
/// without the regex engine.
fn in_class(character: char, class: &'static OnceLock<Regex>, pattern: &str) -> bool {
    let regex = class.get_or_init(|| Regex::new(pattern).expect("a valid class"));
    let mut buffer = [0; 4];
    regex.is_match(character.encode_utf8(&mut buffer))
}

/// `\p{Lu}`.
pub(crate) fn is_upper(character: char) -> bool {
    static CLASS: OnceLock<Regex> = OnceLock::new();
    match character {
        'A'..='Z' => true,
        '\0'..='\u{7f}' => false,
        '\u{c0}'..='\u{de}' => character != '\u{d7}',
        '\u{80}'..='\u{ff}' => false,
        _ => in_class(character, &CLASS, r"^\p{Lu}$"),
    }
}

/// `\p{Ll}`.
pub(crate) fn is_lower(character: char) -> bool {
    static CLASS: OnceLock<Regex> = OnceLock::new();
    match character {
        'a'..='z' => true,
        '\0'..='\u{7f}' => false,
        '\u{df}'..='\u{ff}' => character != '\u{f7}',
        '\u{b5}' => true,
        '\u{80}'..='\u{de}' => false,
        _ => in_class(character, &CLASS, r"^\p{Ll}$"),
    }
}

/// `\p{L}`, which is also Python's `str.isalpha` for one character.
pub(crate) fn is_letter(character: char) -> bool {
    static CLASS: OnceLock<Regex> = OnceLock::new();
    match character {
        'a'..='z' | 'A'..='Z' => true,
        '\0'..='\u{7f}' => false,
        '\u{c0}'..='\u{ff}' => character != '\u{d7}' && character != '\u{f7}',
        '\u{aa}' | '\u{b5}' | '\u{ba}' => true,
        '\u{80}'..='\u{bf}' => false,
        _ => in_class(character, &CLASS, r"^\p{L}$"),
    }
}

/// `[\p{L}\d]`: a character no token may touch.
pub(crate) fn is_letter_or_digit(character: char) -> bool {
    static DIGIT: OnceLock<Regex> = OnceLock::new();
    if character.is_ascii_digit() {
        return true;
    }
    is_letter(character) || (!character.is_ascii() && in_class(character, &DIGIT, r"^\d$"))
}

#[cfg(test)]
pub(crate) fn collect(chars: &[char]) -> String {
    chars.iter().collect()
}

/// Python's `str.strip()` of a slice of characters.
fn strip_chars(chars: &[char]) -> &[char] {
    let start = chars
        .iter()
        .position(|&c| !is_python_space(c))
        .unwrap_or(chars.len());
    let end = chars
        .iter()
        .rposition(|&c| !is_python_space(c))
        .map_or(start, |at| at + 1);
    &chars[start..end]
}

/// [`casefold`] of `chars`, handed to `f` from a buffer kept per thread (the scan folds
/// the word before nearly every capitalised word; a `String` each time was most of
/// `context_strength`'s cost, callgrind).
pub(crate) fn folded<R>(chars: &[char], f: impl FnOnce(&str) -> R) -> R {
    thread_local! {
        static SCRATCH: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut buffer) => {
            buffer.clear();
            fold_into(chars, &mut buffer);
            f(&buffer)
        }
        Err(_) => {
            let mut buffer = String::new();
            fold_into(chars, &mut buffer);
            f(&buffer)
        }
    })
}

/// Append [`casefold`] of `chars` to `out` (the same fold, one character at a time).
pub(crate) fn fold_into(chars: &[char], out: &mut String) {
    for &character in chars {
        match character {
            'A'..='Z' => out.push(character.to_ascii_lowercase()),
            '\0'..='\u{7f}' => out.push(character),
            'ß' | 'ẞ' => out.push_str("ss"),
            'ſ' => out.push('s'),
            'ς' | 'Σ' => out.push('σ'),
            _ => out.extend(character.to_lowercase()),
        }
    }
}

impl NameRules {
    /// Compile the scan for these word lists.
    pub fn new(lists: WordLists) -> Result<Self, regex::Error> {
        let surname_shape = Regex::new(&format!(
            r"^\p{{Lu}}\p{{Ll}}{{1,}}(?:{})$",
            alternation(&lists.surname_suffixes)
        ))?;
        let street = Regex::new(&format!("(?:{})$", alternation(&lists.street_endings)))?;
        Ok(NameRules {
            lists,
            surname_shape,
            street,
        })
    }

    /// `Gazetteer.first_name_bearers`.
    pub fn first_name_bearers(&self, word: &str) -> u64 {
        let key = casefold(word);
        if let Some(&bearers) = self.lists.first_names.get(&key) {
            return bearers;
        }
        if key.contains('-') {
            let mut least = u64::MAX;
            for part in key.split('-') {
                match self.lists.first_names.get(part) {
                    Some(&bearers) if bearers > 0 => least = least.min(bearers),
                    _ => return 0,
                }
            }
            return least;
        }
        0
    }

    /// `Gazetteer.is_known_surname`.
    pub fn is_known_surname(&self, word: &str) -> bool {
        let key = casefold(word);
        self.lists.surnames.contains(&key)
            || (key.contains('-')
                && key
                    .split('-')
                    .all(|part| self.lists.surnames.contains(part)))
    }

    /// `Gazetteer.is_surname_shaped`.
    pub fn is_surname_shaped(&self, word: &str) -> bool {
        if casefold(word).ends_with("person") {
            return false; // "Kontaktperson" is no -son surname
        }
        word.split('-')
            .all(|part| part.chars().count() >= 4 && self.surname_shape.is_match(part))
    }

    /// `rules._may_name`: a token that is `word` can give a candidate wherever it stands.
    pub fn may_name(&self, word: &str) -> bool {
        self.word_facts(word).may_name
    }

    /// What the scan asks about a word, from one case fold of it.
    fn word_facts(&self, word: &str) -> WordFacts {
        let lists = &self.lists;
        let key = casefold(word);
        let bearers = |key: &str| -> u64 {
            if let Some(&bearers) = lists.first_names.get(key) {
                return bearers;
            }
            if !key.contains('-') {
                return 0;
            }
            let mut least = u64::MAX;
            for part in key.split('-') {
                match lists.first_names.get(part) {
                    Some(&bearers) if bearers > 0 => least = least.min(bearers),
                    _ => return 0,
                }
            }
            least
        };
        let known_surname = |key: &str| {
            lists.surnames.contains(key)
                || (key.contains('-') && key.split('-').all(|part| lists.surnames.contains(part)))
        };
        let homograph = lists.homographs.contains(&key);
        let place = lists.places.contains(&key);
        let may_trigger = !(homograph || place || self.street.is_match(word));
        let may_name = if word.ends_with('.') {
            true // an initial
        } else {
            let mut first = bearers(&key);
            let mut surname = known_surname(&key);
            let mut genitive = false;
            // The case fold of "s" is "s", so the stem's key is the key less its last letter.
            if first == 0 && !surname && word.ends_with('s') && word.chars().count() > 3 {
                let stem = &key[..key.len() - 1];
                first = bearers(stem);
                surname = known_surname(stem);
                genitive = first > 0 || surname;
            }
            if first > 0 && !genitive {
                true
            } else {
                let homograph = homograph
                    || key
                        .split('-')
                        .next()
                        .is_some_and(|part| lists.homographs.contains(part));
                (surname || self.is_surname_shaped(word)) && !homograph && !place
            }
        };
        WordFacts {
            may_name,
            may_trigger,
        }
    }

    /// `combine._may_trigger`: no homograph, place or street name.
    pub fn may_trigger(&self, word: &str) -> bool {
        self.word_facts(word).may_trigger
    }

    /// `rules._context_strength`: the strong position `chars[start]` stands in, looking back
    /// a line at most.
    pub fn context_strength(&self, chars: &[char], start: usize) -> Option<Position> {
        let lists = &self.lists;
        let mut j = start.min(chars.len());
        while j > 0 && matches!(chars[j - 1], ' ' | '\t' | '\u{a0}') {
            j -= 1;
        }
        if j == 0 {
            return None;
        }
        let c = chars[j - 1];
        if c == ':' || c == '=' {
            let before = &chars[j.saturating_sub(48)..j - 1];
            let line_start = before
                .iter()
                .rposition(|&ch| ch == '\n')
                .map_or(0, |at| at + 1);
            let labelled = folded(strip_chars(&before[line_start..]), |line| {
                let last_word = line.split(is_python_space).rfind(|word| !word.is_empty());
                lists.field_labels.contains(line)
                    || last_word.is_some_and(|word| lists.field_labels.contains(word))
            });
            return labelled.then_some(Position::Field);
        }
        if c == '\n' {
            let mut k = j - 1;
            for _ in 0..3 {
                // Up to two blank lines between the closing and the name.
                let low = k.saturating_sub(64);
                let found = chars[low..k].iter().rposition(|&ch| ch == '\n');
                if found.is_none() && k > 64 {
                    return None; // a line longer than any closing formula
                }
                let line_start = found.map_or(low, |at| low + at + 1);
                let line = strip_chars(&chars[line_start..k]);
                if !line.is_empty() {
                    let mut end = line.len();
                    while end > 0 && matches!(line[end - 1], ',' | '.' | '!') {
                        end -= 1;
                    }
                    let closing = folded(strip_chars(&line[..end]), |closing| {
                        lists.closings.contains(closing)
                    });
                    return closing.then_some(Position::Signature);
                }
                if line_start == 0 {
                    return None;
                }
                k = line_start - 1;
            }
            return None;
        }
        let mut k = j;
        while k > 0 && (is_letter(chars[k - 1]) || chars[k - 1] == '/') && j - k < 24 {
            k -= 1;
        }
        if k == j {
            if c == '.' && j >= 2 {
                // "Dr. Anna", "tf. chef"; not "kunden. Bolaget"
                let mut k = j - 1;
                while k > 0 && is_letter(chars[k - 1]) && j - k < 12 {
                    k -= 1;
                }
                return folded(&chars[k..j - 1], |abbreviation| {
                    lists.abbreviated_titles.contains(abbreviation)
                })
                .then_some(Position::Title);
            }
            return None;
        }
        folded(&chars[k..j], |word| {
            if lists.closing_words.contains(word) {
                Some(Position::Signature)
            } else if lists.greetings.contains(word) {
                Some(Position::Greeting)
            } else if lists.titles.contains(word) {
                Some(Position::Title)
            } else {
                None
            }
        })
    }

    /// The runs that may hold a name candidate (the first run always: the whole text may be
    /// one cell), and the word tokens inside sentences that may send their sentence to the
    /// model, both in text order.
    pub fn scan(&self, text: &str) -> (Vec<Vec<Token>>, Vec<Token>) {
        let chars: Vec<char> = text.chars().collect();
        self.scan_chars(&chars)
    }

    /// [`NameRules::scan`] of a text already split into characters.
    pub fn scan_chars(&self, chars: &[char]) -> (Vec<Vec<Token>>, Vec<Token>) {
        let mut groups = Vec::new();
        let mut triggers = Vec::new();
        // Words recur within a text (and a text is read once): ask about each word once.
        let mut seen: HashMap<String, WordFacts, BuildHasherDefault<WordHasher>> =
            HashMap::default();
        let mut word = String::new();
        let mut index = 0;
        for_each_run(chars, |run| {
            let mut keep = index == 0;
            for token in run {
                if token.kind == Kind::Particle {
                    continue;
                }
                word.clear();
                word.extend(&chars[token.start..token.end]);
                let facts = match seen.get(word.as_str()) {
                    Some(facts) => *facts,
                    None => {
                        let facts = self.word_facts(&word);
                        seen.insert(word.clone(), facts);
                        facts
                    }
                };
                if !keep && (facts.may_name || self.context_strength(chars, token.start).is_some())
                {
                    keep = true;
                }
                if token.kind == Kind::Word
                    && facts.may_trigger
                    && !is_sentence_initial(chars, token.start)
                {
                    triggers.push(*token);
                }
            }
            if keep {
                groups.push(run.to_vec());
            }
            index += 1;
        });
        (groups, triggers)
    }
}

/// The answers about one word the scan needs.
#[derive(Clone, Copy)]
struct WordFacts {
    may_name: bool,
    may_trigger: bool,
}

/// `rules.is_sentence_initial`: `chars[start]` begins the text, a line, a sentence or a
/// table cell; opening quotes, dashes and bullets are skipped.
pub fn is_sentence_initial(chars: &[char], start: usize) -> bool {
    let mut i = start.min(chars.len());
    while i > 0 && OPENERS.contains(chars[i - 1]) {
        i -= 1;
    }
    i == 0 || SENTENCE_START.contains(chars[i - 1])
}

/// The end of the word or initial token starting at `at`, if one does (`rules._ANY_TOKEN`):
/// `\p{Lu}\p{Ll}+` with hyphenated parts, or `\p{Lu}.` with an optional second initial, not
/// glued to a letter or digit on either side. Where the longest form is glued, a shorter one
/// is tried, as the regex engine backtracks.
pub(crate) fn token_at(chars: &[char], at: usize) -> Option<(usize, Kind)> {
    let n = chars.len();
    // The capital first: it rules out most positions at the cost of a comparison.
    if at >= n || !is_upper(chars[at]) || (at > 0 && is_letter_or_digit(chars[at - 1])) {
        return None;
    }
    let free = |end: usize| end == n || !is_letter_or_digit(chars[end]);
    if at + 1 < n && is_lower(chars[at + 1]) {
        let mut p = at + 1;
        while p < n && is_lower(chars[p]) {
            p += 1;
        }
        // The longest form not glued to what follows (the regex engine backtracks to it).
        let mut best = free(p).then_some(p);
        while p + 2 < n
            && (chars[p] == '-' || chars[p] == '‐')
            && is_upper(chars[p + 1])
            && is_lower(chars[p + 2])
        {
            p += 2;
            while p < n && is_lower(chars[p]) {
                p += 1;
            }
            if free(p) {
                best = Some(p);
            }
        }
        return best.map(|end| (end, Kind::Word));
    }
    if at + 1 < n && chars[at + 1] == '.' {
        let mut p = at + 2;
        if p < n && chars[p] == '-' {
            p += 1;
        }
        if p + 1 < n && is_upper(chars[p]) && chars[p + 1] == '.' && free(p + 2) {
            return Some((p + 2, Kind::Initial));
        }
        if free(at + 2) {
            return Some((at + 2, Kind::Initial));
        }
    }
    None
}

/// The token joined to a run ending at `end`: one to three spaces (tabs, no-break spaces),
/// then a token, or a particle, one space or tab and a token (`rules._RUN`). The particle
/// comes back too.
fn next_in_run(chars: &[char], end: usize) -> Option<(Option<Token>, Token)> {
    let n = chars.len();
    let mut q = end;
    while q < n && q - end < 4 && matches!(chars[q], ' ' | '\t' | '\u{a0}') {
        q += 1;
    }
    // More than three spaces, or none: the run ends (fewer spaces leave a space to start on).
    if q == end || q - end > 3 {
        return None;
    }
    for particle in PARTICLES {
        let length = particle.len(); // ASCII
        let after = q + length;
        if after < n
            && chars[q..after].iter().copied().eq(particle.chars())
            && matches!(chars[after], ' ' | '\t')
        {
            if let Some((token_end, kind)) = token_at(chars, after + 1) {
                let particle = Token {
                    start: q,
                    end: after,
                    kind: Kind::Particle,
                };
                let token = Token {
                    start: after + 1,
                    end: token_end,
                    kind,
                };
                return Some((Some(particle), token));
            }
        }
    }
    // An initial glued to the next token ("A.Andersson") cannot occur: a token is never
    // followed by a letter, so `_RUN`'s `(?<=\.)` branch never joins anything.
    token_at(chars, q).map(|(token_end, kind)| {
        (
            None,
            Token {
                start: q,
                end: token_end,
                kind,
            },
        )
    })
}

/// Every run of tokens in the text (`rules.token_runs`), particles included.
pub fn token_runs(chars: &[char]) -> Vec<Vec<Token>> {
    let mut runs = Vec::new();
    for_each_run(chars, |run| runs.push(run.to_vec()));
    runs
}

/// [`token_runs`] one run at a time, each lent to `f` from one buffer (most runs are
/// dropped by the scan: a `Vec` each was a sixth of its allocations, callgrind).
fn for_each_run(chars: &[char], mut f: impl FnMut(&[Token])) {
    let mut run = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        // Most characters are no ASCII capital and cannot begin a token.
        if chars[at].is_ascii() && !chars[at].is_ascii_uppercase() {
            at += 1;
            continue;
        }
        let Some((end, kind)) = token_at(chars, at) else {
            at += 1;
            continue;
        };
        run.clear();
        run.push(Token {
            start: at,
            end,
            kind,
        });
        let mut last = end;
        while let Some((particle, token)) = next_in_run(chars, last) {
            run.extend(particle);
            run.push(token);
            last = token.end;
        }
        f(&run);
        at = last;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn words(list: &[&str]) -> WordSet {
        list.iter().map(|word| word.to_string()).collect()
    }

    /// Small word lists for the tests of the name modules.
    pub(crate) fn rules() -> NameRules {
        NameRules::new(WordLists {
            first_names: [
                ("anna", 60000),
                ("per", 40000),
                ("karin", 50000),
                ("olof", 20000),
            ]
            .into_iter()
            .map(|(name, bearers)| (name.to_string(), bearers))
            .collect(),
            surnames: words(&["andersson", "lund", "berg"]),
            homographs: words(&["per", "lund", "berg"]),
            places: words(&["umeå", "lund"]),
            surname_suffixes: ["sson", "berg", "lund"].map(String::from).to_vec(),
            street_endings: ["gatan", "vägen"].map(String::from).to_vec(),
            field_labels: words(&["namn", "kontaktperson", "handläggs av"]),
            closings: words(&["med vänlig hälsning", "mvh"]),
            closing_words: words(&["mvh"]),
            greetings: words(&["hej"]),
            titles: words(&["herr", "kunden"]),
            abbreviated_titles: words(&["dr"]),
        })
        .expect("valid lists")
    }

    fn spans(text: &str) -> Vec<Vec<(String, &'static str)>> {
        let chars: Vec<char> = text.chars().collect();
        token_runs(&chars)
            .into_iter()
            .map(|run| {
                run.into_iter()
                    .map(|token| (collect(&chars[token.start..token.end]), token.kind.name()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn finds_runs() {
        let table: &[(&str, &[&[&str]])] = &[
            ("Anna Andersson kom.", &[&["Anna", "Andersson"]]),
            ("Anna-Karin af Klint", &[&["Anna-Karin", "af", "Klint"]]),
            ("Per  Olof", &[&["Per", "Olof"]]),
            ("Per    Olof", &[&["Per"], &["Olof"]]),
            (
                "A.B. Berg och A.-C. Lind",
                &[&["A.B.", "Berg"], &["A.-C.", "Lind"]],
            ),
            ("C.Dahl", &[&["Dahl"]]),
            ("McDonald och Anna1", &[]),
            ("Anna-Karin3 x", &[&["Anna"]]),
            ("Åsa Öberg", &[&["Åsa", "Öberg"]]),
            ("Anna von", &[&["Anna"]]),
            ("Anna del Berg", &[&["Anna", "del", "Berg"]]),
            ("", &[]),
        ];
        for (text, expected) in table {
            let got: Vec<Vec<String>> = spans(text)
                .into_iter()
                .map(|run| run.into_iter().map(|(word, _)| word).collect())
                .collect();
            let expected: Vec<Vec<String>> = expected
                .iter()
                .map(|run| run.iter().map(|word| word.to_string()).collect())
                .collect();
            assert_eq!(got, expected, "{text}");
        }
    }

    #[test]
    fn folds_characters_as_casefold_does() {
        for text in [
            "",
            "Anna",
            "MED VÄNLIGA HÄLSNINGAR",
            "Straße",
            "ẞ ſ ς Σ İ Ǆ",
            "Åsa-Märta",
            "Dr",
            "kontakt/namn",
            "ﬁ Ω µ",
        ] {
            let chars: Vec<char> = text.chars().collect();
            let mut out = String::from("x");
            fold_into(&chars, &mut out);
            assert_eq!(out, format!("x{}", casefold(text)), "{text}");
            assert_eq!(folded(&chars, str::to_string), casefold(text), "{text}");
        }
    }

    #[test]
    fn judges_positions() {
        let rules = rules();
        let table: &[(&str, Option<Position>)] = &[
            ("Hej Zorbo", Some(Position::Greeting)),
            ("Mvh\n\n\nZorbo", Some(Position::Signature)),
            ("Med vänlig hälsning,\n  Zorbo", Some(Position::Signature)),
            ("Handläggs av: Zorbo", Some(Position::Field)),
            ("E-post: Zorbo", None),
            ("ringde kunden. Zorbo", None),
            ("mötte dr. Zorbo", Some(Position::Title)),
            ("mötte herr Zorbo", Some(Position::Title)),
            ("Zorbo", None),
        ];
        for (text, expected) in table {
            let chars: Vec<char> = text.chars().collect();
            let at = chars.len() - 5;
            assert_eq!(rules.context_strength(&chars, at), *expected, "{text}");
        }
    }

    #[test]
    fn keeps_runs_that_may_name() {
        let rules = rules();
        let text = "Projekt Zorbo. Vi ringde Anna.\nMvh\nQuapp";
        let (groups, triggers) = rules.scan(text);
        let chars: Vec<char> = text.chars().collect();
        let firsts: Vec<String> = groups
            .iter()
            .map(|run| collect(&chars[run[0].start..run[0].end]))
            .collect();
        assert_eq!(firsts, ["Projekt", "Anna", "Quapp"]);
        let words: Vec<String> = triggers
            .iter()
            .map(|token| collect(&chars[token.start..token.end]))
            .collect();
        assert_eq!(words, ["Zorbo", "Anna"]);
    }
}
