//! Context stems near a match, the Rust twin of `piiscan.engine.context.ContextMatcher`.
//!
//! Swedish compounds put the head last (`mobiltelefonnummer`), so a stem longer than four
//! characters counts anywhere inside a word (`Inside`); a short one (`tel`, `pnr`) only as a
//! whole word (`Word`), or `hotell` would be a phone hint; a stem written `*kort` counts as
//! the head of a compound (`företagskort`) but never inside one (`Head`). The rules are
//! decided in Python (one copy) and handed over with the stems.
//!
//! The stems are found leftmost-longest in one Aho-Corasick pass over the lower-cased window,
//! as Python's alternation of the stems ordered longest first finds them; a hit whose
//! boundaries fail is skipped but still consumes its characters, as `finditer` does.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Where a stem may stand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StemRule {
    /// Anywhere, inside a compound included.
    Inside,
    /// Only as a whole word.
    Word,
    /// As a whole word or the head (last part) of a compound.
    Head,
}

impl StemRule {
    /// The rule named as `piiscan.engine.context` names it.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "inside" => Some(StemRule::Inside),
            "word" => Some(StemRule::Word),
            "head" => Some(StemRule::Head),
            _ => None,
        }
    }
}

/// Lower-cases `text` into `out` character by character, keeping every character's byte
/// length, so byte offsets in `out` are byte offsets in `text`. A character whose lower case
/// has another length (the Kelvin sign, dotted capital I) stays as it is: no stem holds one.
pub fn lower_in_place(text: &str, out: &mut String) {
    out.clear();
    out.reserve(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        // Runs of ASCII (most of a Swedish text) a byte at a time, the rest per character.
        let ascii = rest
            .bytes()
            .position(|byte| !byte.is_ascii())
            .unwrap_or(rest.len());
        let from = out.len();
        out.push_str(&rest[..ascii]);
        out[from..].make_ascii_lowercase();
        let mut characters = rest[ascii..].chars();
        if let Some(character) = characters.next() {
            let mut lower = character.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(single), None) if single.len_utf8() == character.len_utf8() => {
                    out.push(single);
                }
                _ => out.push(character),
            }
        }
        rest = characters.as_str();
    }
}

/// Python's `str.isalpha()` for one character (close enough: Unicode Alphabetic).
fn is_alpha(character: char) -> bool {
    character.is_alphabetic()
}

/// Python's `str.isdigit()` for one character (Unicode numeric; ASCII digits first).
fn is_digit(character: char) -> bool {
    character.is_ascii_digit() || (!character.is_ascii() && character.is_numeric())
}

/// The stems of one recognizer's context (or negative context).
#[derive(Clone, Debug)]
pub struct ContextMatcher {
    automaton: Option<AhoCorasick>,
    stems: Vec<String>,
    rules: Vec<StemRule>,
}

/// A stem found in a text: its index and byte span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StemHit {
    pub stem: usize,
    pub start: usize,
    pub end: usize,
}

impl ContextMatcher {
    /// A matcher for lower-case `stems` with their rules.
    pub fn new(stems: Vec<(String, StemRule)>) -> Self {
        let (stems, rules): (Vec<String>, Vec<StemRule>) = stems.into_iter().unzip();
        let automaton = if stems.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&stems)
                .ok()
        };
        ContextMatcher {
            automaton,
            stems,
            rules,
        }
    }

    /// True when there are no stems.
    pub fn is_empty(&self) -> bool {
        self.automaton.is_none()
    }

    /// The stem at `index`.
    pub fn stem(&self, index: usize) -> &str {
        &self.stems[index]
    }

    /// Stems in `text[start..end]` (byte offsets) whose boundaries hold, in order. `lower` is
    /// scratch space. Boundaries look at the real neighbours in `text`.
    pub fn hits(&self, text: &str, start: usize, end: usize, lower: &mut String) -> Vec<StemHit> {
        let Some(automaton) = &self.automaton else {
            return Vec::new();
        };
        if start >= end {
            return Vec::new();
        }
        let Some(window) = text.get(start..end) else {
            return Vec::new();
        };
        lower_in_place(window, lower);
        self.hits_of(automaton, text, lower.as_bytes(), start)
    }

    /// [`Self::hits`] with `lowered`, the bytes of `text` lower-cased by [`lower_in_place`] at
    /// least over `start..end` (once per text, or per piece, instead of once per window).
    pub fn hits_in(&self, text: &str, lowered: &[u8], start: usize, end: usize) -> Vec<StemHit> {
        let mut found = Vec::new();
        self.each_in(text, lowered, start, end, |hit| {
            found.push(hit);
            true
        });
        found
    }

    /// The first of [`Self::hits_in`], found without collecting the rest.
    pub fn first_in(
        &self,
        text: &str,
        lowered: &[u8],
        start: usize,
        end: usize,
    ) -> Option<StemHit> {
        let mut first = None;
        self.each_in(text, lowered, start, end, |hit| {
            first = Some(hit);
            false
        });
        first
    }

    /// The last of [`Self::hits_in`], found without collecting them.
    pub fn last_in(&self, text: &str, lowered: &[u8], start: usize, end: usize) -> Option<StemHit> {
        let mut last = None;
        self.each_in(text, lowered, start, end, |hit| {
            last = Some(hit);
            true
        });
        last
    }

    /// Calls `each` with the hits of [`Self::hits_in`] in order while it returns true.
    fn each_in(
        &self,
        text: &str,
        lowered: &[u8],
        start: usize,
        end: usize,
        each: impl FnMut(StemHit) -> bool,
    ) {
        let Some(automaton) = &self.automaton else {
            return;
        };
        if let Some(window) = lowered.get(start..end) {
            if start < end {
                self.each_hit(automaton, text, window, start, each);
            }
        }
    }

    /// The stems of `lower` (the lower-cased text of `text[start..]`) whose boundaries hold.
    fn hits_of(
        &self,
        automaton: &AhoCorasick,
        text: &str,
        lower: &[u8],
        start: usize,
    ) -> Vec<StemHit> {
        let mut found = Vec::new();
        self.each_hit(automaton, text, lower, start, |hit| {
            found.push(hit);
            true
        });
        found
    }

    /// [`Self::hits_of`], each hit handed to `each` while it returns true.
    fn each_hit(
        &self,
        automaton: &AhoCorasick,
        text: &str,
        lower: &[u8],
        start: usize,
        mut each: impl FnMut(StemHit) -> bool,
    ) {
        for hit in automaton.find_iter(lower) {
            let stem = hit.pattern().as_usize();
            let (hit_start, hit_end) = (start + hit.start(), start + hit.end());
            let rule = self.rules[stem];
            if rule != StemRule::Inside {
                let before = text[..hit_start].chars().next_back().unwrap_or(' ');
                let after = text[hit_end..].chars().next().unwrap_or(' ');
                let before = lower_char(before);
                if is_alpha(lower_char(after)) || is_digit(before) {
                    continue;
                }
                if rule == StemRule::Word && is_alpha(before) {
                    continue;
                }
            }
            let going_on = each(StemHit {
                stem,
                start: hit_start,
                end: hit_end,
            });
            if !going_on {
                return;
            }
        }
    }

    /// The first stem in `text[start..end]`, if any.
    pub fn search(
        &self,
        text: &str,
        start: usize,
        end: usize,
        lower: &mut String,
    ) -> Option<usize> {
        self.hits(text, start, end, lower)
            .first()
            .map(|hit| hit.stem)
    }

    /// Where the last stem found in `text[start..end]` ends.
    pub fn last_end(
        &self,
        text: &str,
        start: usize,
        end: usize,
        lower: &mut String,
    ) -> Option<usize> {
        self.hits(text, start, end, lower).last().map(|hit| hit.end)
    }

    /// The first stem found in any of `texts` (column names: `_` reads as a space).
    pub fn search_any(&self, texts: &[String], lower: &mut String) -> Option<usize> {
        if self.is_empty() {
            return None;
        }
        texts.iter().find_map(|text| {
            let spaced = text.replace('_', " ");
            self.search(&spaced, 0, spaced.len(), lower)
        })
    }
}

fn lower_char(character: char) -> char {
    let mut lower = character.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(single), None) => single,
        _ => character,
    }
}

/// True when `byte` begins a character of UTF-8 text (it is no continuation byte).
fn begins_character(byte: u8) -> bool {
    byte & 0xC0 != 0x80
}

/// How many characters begin in `bytes` (its bytes that are no continuation bytes), counted
/// without a branch per byte.
fn characters_beginning(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&byte| begins_character(byte)).count()
}

/// The byte offset `count` characters before `position` (or 0).
///
/// A window of `n` characters spans at least `n` bytes: the bytes before `position` are taken
/// `n` at a time, as many as characters are still wanted, and the characters beginning in
/// them counted at once (every context window of every match starts here; a byte loop, and
/// decoding each character before it, cost more).
pub fn chars_back(text: &str, position: usize, count: usize) -> usize {
    let bytes = text.as_bytes();
    // Most windows are ASCII: a byte per character, checked a word at a time.
    if let Some(from) = position.checked_sub(count) {
        if bytes[from..position].is_ascii() {
            return from;
        }
    }
    let mut at = position;
    let mut wanted = count;
    while wanted > 0 && at > 0 {
        let from = at.saturating_sub(wanted);
        let begun = characters_beginning(&bytes[from..at]);
        if begun == wanted {
            // The earliest character beginning in `from..at` is the one wanted.
            return (from..at)
                .find(|&index| begins_character(bytes[index]))
                .unwrap_or(from);
        }
        wanted -= begun;
        at = from;
    }
    if wanted == 0 {
        position
    } else {
        0
    }
}

/// The byte offset `count` characters after `position` (or the end): where the character
/// after the first `count` characters from `position` begins, read as [`chars_back`] reads.
pub fn chars_forward(text: &str, position: usize, count: usize) -> usize {
    let bytes = text.as_bytes();
    // ASCII from `position` to the byte after the window: each byte begins a character.
    if let Some(window) = bytes.get(position..=position.saturating_add(count)) {
        if window.is_ascii() {
            return position + count;
        }
    }
    let mut at = position.min(bytes.len());
    let mut wanted = count;
    while wanted > 0 && at < bytes.len() {
        let to = at.saturating_add(wanted).min(bytes.len());
        wanted -= characters_beginning(&bytes[at..to]);
        at = to;
    }
    if wanted > 0 {
        return bytes.len();
    }
    // The next character begins at the first byte that is no continuation byte.
    while at < bytes.len() && !begins_character(bytes[at]) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_in_place_keeps_byte_offsets() {
        let mut out = String::new();
        for text in [
            "",
            "ABC",
            "Åsa ÖBERG bor på Storgatan 12",
            "K\u{212a}İ ẞ x",
            "ÄÄ",
        ] {
            lower_in_place(text, &mut out);
            assert_eq!(out.len(), text.len());
            let expected: String = text
                .chars()
                .map(|c| {
                    let mut lower = c.to_lowercase();
                    match (lower.next(), lower.next()) {
                        (Some(single), None) if single.len_utf8() == c.len_utf8() => single,
                        _ => c,
                    }
                })
                .collect();
            assert_eq!(out, expected);
        }
    }

    fn matcher(stems: &[(&str, StemRule)]) -> ContextMatcher {
        ContextMatcher::new(
            stems
                .iter()
                .map(|(stem, rule)| ((*stem).to_owned(), *rule))
                .collect(),
        )
    }

    fn first<'m>(matcher: &'m ContextMatcher, text: &str) -> Option<&'m str> {
        let mut scratch = String::new();
        matcher
            .search(text, 0, text.len(), &mut scratch)
            .map(|stem| matcher.stem(stem))
    }

    #[test]
    fn rules_as_in_python() {
        let phone = matcher(&[("telefon", StemRule::Inside), ("tel", StemRule::Word)]);
        assert_eq!(first(&phone, "Mobiltelefon: 070"), Some("telefon"));
        assert_eq!(first(&phone, "Tel. 070"), Some("tel"));
        assert_eq!(first(&phone, "hotell 070"), None);
        let card = matcher(&[("kort", StemRule::Head)]);
        assert_eq!(first(&card, "Företagskort 4242"), Some("kort"));
        assert_eq!(first(&card, "kortare 4242"), None);
        assert_eq!(first(&card, "1kort"), None);
        let account = matcher(&[("lönekonto", StemRule::Inside)]);
        assert_eq!(first(&account, "LÖNEKONTO: 5839"), Some("lönekonto"));
    }

    #[test]
    fn character_windows() {
        let text = "åäö abc";
        assert_eq!(chars_back(text, text.len(), 4), 6);
        assert_eq!(chars_back(text, 4, 64), 0);
        assert_eq!(chars_forward(text, 0, 2), 4);
        assert_eq!(chars_forward(text, 0, 64), text.len());
    }

    #[test]
    fn chars_back_and_forward_read_as_a_byte_loop_does() {
        // At every byte offset (inside characters too), against reading a byte at a time.
        let back_by_bytes = |text: &str, position: usize, count: usize| {
            if count == 0 {
                return position;
            }
            let mut seen = 0;
            for (index, &byte) in text.as_bytes()[..position].iter().enumerate().rev() {
                if begins_character(byte) {
                    seen += 1;
                    if seen == count {
                        return index;
                    }
                }
            }
            0
        };
        let forward_by_bytes = |text: &str, position: usize, count: usize| {
            let mut seen = 0;
            for (index, &byte) in text.as_bytes().iter().enumerate().skip(position) {
                if begins_character(byte) {
                    if seen == count {
                        return index;
                    }
                    seen += 1;
                }
            }
            text.len()
        };
        for text in [
            "",
            "åäö",
            "€ 12 ö𝔘x",
            "Org.nr 556016-0680, Åsa på Storgatan 12 ö",
            "ÅÄÖ åäö 𝔘𝔘 abc",
        ] {
            for position in 0..=text.len() {
                for count in 0..12 {
                    assert_eq!(
                        chars_back(text, position, count),
                        back_by_bytes(text, position, count),
                        "{text:?} {position} {count}"
                    );
                    assert_eq!(
                        chars_forward(text, position, count),
                        forward_by_bytes(text, position, count),
                        "{text:?} {position} {count}"
                    );
                }
            }
        }
    }

    #[test]
    fn chars_back_and_forward_count_characters() {
        // The byte loops against counting decoded characters, at every boundary and count.
        for text in [
            "",
            "a",
            "åäö",
            "tel 070-123 45 67",
            "€ 12 ö𝔘x",
            "x\u{10FFFF}y",
            // ASCII windows (a byte per character) beside and across non-ASCII ones.
            "Org.nr 556016-0680, Åsa på Storgatan 12 ö",
        ] {
            for position in (0..=text.len()).filter(|&at| text.is_char_boundary(at)) {
                for count in 0..8 {
                    let back = text[..position]
                        .char_indices()
                        .rev()
                        .take(count)
                        .last()
                        .map_or(position, |(index, _)| index);
                    let forward = text[position..]
                        .char_indices()
                        .nth(count)
                        .map_or(text.len(), |(index, _)| position + index);
                    assert_eq!(
                        chars_back(text, position, count),
                        back,
                        "{text:?} {position} {count}"
                    );
                    assert_eq!(
                        chars_forward(text, position, count),
                        forward,
                        "{text:?} {position} {count}"
                    );
                }
            }
        }
    }
}
