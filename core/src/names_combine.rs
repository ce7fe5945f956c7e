//! How the name model's entities and the rules' candidates become PERSON spans
//! (`piiscan/names/combine.py` documents the rules and wraps this, their one copy): a model
//! person span confirms, extends or adds a name; a model place or organisation hides a weak
//! candidate inside it; company names, paths and places are no persons; of overlapping spans
//! the strongest, then the longest, stays.
//!
//! Offsets are in characters (code points), as Python counts them.

use crate::names::{is_letter, is_letter_or_digit, is_sentence_initial, token_at, Kind, NameRules};
use crate::names_weigh::{Candidate, Evidence, HIGH, LOW, MEDIUM};
use crate::names_windows::org_after;
use crate::text::{casefold, is_python_space};

/// Person labels of the bundled model (`PER`) and of spaCy's Swedish pipelines (`PRS`).
const PERSON_LABELS: [&str; 3] = ["PER", "PERSON", "PRS"];
/// Legal forms inside a span that make it a company's name.
const ORG_DESIGNATORS: [&str; 12] = [
    "AB",
    "HB",
    "KB",
    "AS",
    "ASA",
    "Oy",
    "Oyj",
    "GmbH",
    "Ltd",
    "Inc",
    "LLC",
    "Aktiebolag",
];
/// Endings of the last word of an authority's, a company's or an institution's name.
const ORG_WORDS: [&str; 34] = [
    "verket",
    "styrelsen",
    "myndigheten",
    "kommun",
    "kommunen",
    "regionen",
    "inspektionen",
    "kassan",
    "byrån",
    "bolaget",
    "banken",
    "förbundet",
    "partiet",
    "rådet",
    "nämnden",
    "institutet",
    "universitetet",
    "högskolan",
    "sjukhuset",
    "koncernen",
    "gruppen",
    "tidningen",
    "bladet",
    "posten",
    "fonden",
    "stiftelsen",
    "akademien",
    "departementet",
    "kyrkan",
    "skolan",
    "gymnasiet",
    "föreningen",
    "centret",
    "huset",
];
/// The last two endings of `ORG_WORDS` (kept apart so the table stays one per line).
const ORG_WORDS_MORE: [&str; 2] = ["teatern", "festivalen"];
/// Spaces and punctuation around a name that the model's span may include.
const AROUND_NAME: &str = " \u{a0},.-–";

/// An entity of the model: character offsets and whether its label names a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelSpan {
    pub start: usize,
    pub end: usize,
    pub person: bool,
}

impl ModelSpan {
    /// A span with the model's label.
    pub fn labelled(start: usize, end: usize, label: &str) -> ModelSpan {
        ModelSpan {
            start,
            end,
            person: PERSON_LABELS.contains(&label),
        }
    }
}

/// A PERSON span: its strength and the evidence flags behind it, sorted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonSpan {
    pub start: usize,
    pub end: usize,
    pub strength: u8,
    pub evidence: Vec<&'static str>,
}

/// A character no name holds: the model's span sometimes runs on into what follows the name
/// (`Magnus Quapp <mq@exempel.se`).
fn not_in_name(character: char) -> bool {
    matches!(
        character,
        '<' | '>'
            | '@'
            | '['
            | ']'
            | '('
            | ')'
            | '{'
            | '}'
            | '|'
            | ';'
            | ':'
            | '/'
            | '\\'
            | '\n'
            | '\t'
    ) || (is_letter_or_digit(character) && !is_letter(character))
}

/// `combine._name_part`: the model's span up to the first character no name holds, without
/// the spaces and punctuation around it.
fn name_part(chars: &[char], span: ModelSpan) -> Option<ModelSpan> {
    let mut end = span.end;
    if let Some(cut) = chars[span.start..span.end]
        .iter()
        .position(|&c| not_in_name(c))
    {
        end = span.start + cut;
    }
    let mut start = span.start;
    while end > start && AROUND_NAME.contains(chars[end - 1]) {
        end -= 1;
    }
    while start < end && AROUND_NAME.contains(chars[start]) {
        start += 1;
    }
    (start < end).then_some(ModelSpan { start, end, ..span })
}

/// `combine._glued_to_slash`: a `/` right after the span (a path, a log date, a user agent).
fn glued_to_slash(chars: &[char], end: usize) -> bool {
    chars.get(end) == Some(&'/')
}

/// Python's `str.split()` of a span.
fn words(chars: &[char], start: usize, end: usize) -> Vec<String> {
    let text: String = chars[start..end].iter().collect();
    text.split(is_python_space)
        .filter(|word| !word.is_empty())
        .map(str::to_string)
        .collect()
}

/// `combine._org_like`: the span names a company or an authority, or is the first part of
/// a compound.
fn org_like(chars: &[char], start: usize, end: usize) -> bool {
    if org_after(chars, end) {
        return true;
    }
    for at in start..end {
        if at > 0 && is_letter(chars[at - 1]) {
            continue;
        }
        let found = ORG_DESIGNATORS.iter().any(|form| {
            let after = at + form.len(); // ASCII
            after <= end
                && chars[at..after].iter().copied().eq(form.chars())
                && (after == end || !is_letter(chars[after]))
        });
        if found {
            return true;
        }
    }
    let Some(last) = words(chars, start, end).pop() else {
        return false;
    };
    let last = casefold(&last);
    ORG_WORDS
        .iter()
        .chain(ORG_WORDS_MORE.iter())
        .any(|word| last.ends_with(word))
}

/// `combine._model_only_strength`: a model span with no candidate is medium, unless its
/// first word only starts a sentence (or it has no word).
fn model_only_strength(chars: &[char], span: ModelSpan) -> u8 {
    let view = &chars[span.start..span.end];
    let first_word =
        (0..view.len()).find(|&at| matches!(token_at(view, at), Some((_, Kind::Word))));
    match first_word {
        Some(at) if !is_sentence_initial(chars, span.start + at) => MEDIUM,
        _ => LOW,
    }
}

/// `combine._inside_other`: a weak or one-word candidate yields to the model's place or
/// organisation around it.
fn inside_other(candidate: &Candidate, others: &[ModelSpan]) -> bool {
    if matches!(
        candidate.evidence,
        Evidence::Field | Evidence::Signature | Evidence::Greeting
    ) {
        return false;
    }
    if candidate.strength > LOW && candidate.evidence != Evidence::Single {
        return false;
    }
    others
        .iter()
        .any(|other| other.start <= candidate.start && candidate.end <= other.end)
}

/// `combine._dedupe`: the strongest (then longest) of overlapping spans, in text order.
fn dedupe(mut spans: Vec<PersonSpan>) -> Vec<PersonSpan> {
    // A stable sort, strongest and longest first: equal ones keep their order.
    spans.sort_by_key(|span| std::cmp::Reverse((span.strength, span.end - span.start)));
    let mut kept: Vec<PersonSpan> = Vec::new();
    for span in spans {
        let at = kept.partition_point(|other| other.start < span.start);
        if at > 0 && kept[at - 1].end > span.start {
            continue;
        }
        if at < kept.len() && kept[at].start < span.end {
            continue;
        }
        kept.insert(at, span);
    }
    kept
}

impl NameRules {
    fn is_homograph(&self, word: &str) -> bool {
        self.lists.homographs.contains(&casefold(word))
    }

    fn is_place(&self, word: &str) -> bool {
        self.lists.places.contains(&casefold(word))
    }

    /// Some word of the span (commas read as spaces) is a known first name or surname
    /// (`PersonRecognizer._has_gazetteer_word`).
    pub fn has_gazetteer_word(&self, chars: &[char], start: usize, end: usize) -> bool {
        let text: String = chars[start..end]
            .iter()
            .map(|&c| if c == ',' { ' ' } else { c })
            .collect();
        text.split(is_python_space)
            .filter(|word| !word.is_empty())
            .any(|word| self.first_name_bearers(word) > 0 || self.is_known_surname(word))
    }

    /// `combine._all_places`.
    fn all_places(&self, chars: &[char], start: usize, end: usize) -> bool {
        let words = words(chars, start, end);
        !words.is_empty()
            && words.iter().all(|word| {
                self.is_place(word)
                    || (word.ends_with('s') && self.is_place(&word[..word.len() - 1]))
            })
    }

    /// The PERSON spans of a text from the rules' candidates (in text order) and the
    /// entities the model found in the windows it read (`combine.combine`).
    pub fn combine(
        &self,
        chars: &[char],
        candidates: &[Candidate],
        model: &[ModelSpan],
    ) -> Vec<PersonSpan> {
        let mut people: Vec<ModelSpan> = model
            .iter()
            .filter(|span| span.person)
            .filter_map(|&span| name_part(chars, span))
            .collect();
        let others: Vec<ModelSpan> = model.iter().copied().filter(|s| !s.person).collect();
        let mut used = vec![false; candidates.len()];
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by_key(|&i| candidates[i].start);
        let starts: Vec<usize> = order.iter().map(|&i| candidates[i].start).collect();
        let longest = candidates
            .iter()
            .map(|c| c.end - c.start)
            .max()
            .unwrap_or(0);
        people.sort_by_key(|span| span.start);
        let mut out: Vec<PersonSpan> = Vec::new();
        for span in people {
            if org_like(chars, span.start, span.end) || glued_to_slash(chars, span.end) {
                continue;
            }
            let low = starts.partition_point(|&s| s < span.start.saturating_sub(longest));
            let high = starts.partition_point(|&s| s < span.end);
            let overlapping: Vec<usize> = (low..high)
                .map(|k| order[k])
                .filter(|&i| span.start < candidates[i].end)
                .collect();
            let mut start = span.start;
            let mut end = span.end;
            for &i in &overlapping {
                used[i] = true;
                start = start.min(candidates[i].start);
                end = end.max(candidates[i].end);
            }
            let (strength, evidence) = if overlapping.is_empty() {
                if self.all_places(chars, start, end) {
                    continue; // "Ankara", "Chelseas": places or teams
                }
                (model_only_strength(chars, span), vec!["model"])
            } else {
                let best = overlapping
                    .iter()
                    .map(|&i| candidates[i].strength)
                    .max()
                    .unwrap_or(LOW);
                let hit = overlapping.iter().any(|&i| candidates[i].hit);
                let text: String = chars[start..end]
                    .iter()
                    .map(|&c| if c == ',' { ' ' } else { c })
                    .collect();
                let words: Vec<&str> = text
                    .split(is_python_space)
                    .filter(|word| !word.is_empty())
                    .collect();
                let strength = if words.len() == 1 && self.is_homograph(words[0]) {
                    best // "Hans", "Lund": the model alone does not settle it
                } else if words.iter().all(|word| self.is_homograph(word)) {
                    best.max(MEDIUM) // "Siv Lund"
                } else if hit {
                    HIGH
                } else {
                    best.max(MEDIUM)
                };
                let mut flags: Vec<&'static str> = overlapping
                    .iter()
                    .map(|&i| candidates[i].evidence.name())
                    .chain(["model"])
                    .collect();
                flags.sort_unstable();
                flags.dedup();
                (strength, flags)
            };
            out.push(PersonSpan {
                start,
                end,
                strength,
                evidence,
            });
        }
        for (i, candidate) in candidates.iter().enumerate() {
            if used[i] {
                continue;
            }
            if candidate.strength < HIGH
                && (inside_other(candidate, &others)
                    || org_like(chars, candidate.start, candidate.end))
            {
                continue;
            }
            if glued_to_slash(chars, candidate.end) {
                continue;
            }
            out.push(PersonSpan {
                start: candidate.start,
                end: candidate.end,
                strength: candidate.strength,
                evidence: vec![candidate.evidence.name()],
            });
        }
        dedupe(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(text: &str) -> Vec<char> {
        text.chars().collect()
    }

    #[test]
    fn trims_the_model_span_to_a_name() {
        let text = chars("Magnus Quapp <mq@exempel.se>, ");
        let span = ModelSpan::labelled(0, 20, "PER");
        let trimmed = name_part(&text, span).expect("a name");
        assert_eq!((trimmed.start, trimmed.end), (0, 12));
        assert!(name_part(&chars("<@>"), ModelSpan::labelled(0, 3, "PER")).is_none());
    }

    #[test]
    fn knows_companies() {
        let table: &[(&str, bool)] = &[
            ("Volvo Cars AB", true),
            ("Skatteverket", true),
            ("Anna Berg", false),
            ("Anna ABrahamsson", false),
        ];
        for (text, expected) in table {
            let text = chars(text);
            assert_eq!(org_like(&text, 0, text.len()), *expected, "{text:?}");
        }
    }

    #[test]
    fn keeps_the_strongest_of_overlapping_spans() {
        let span = |start, end, strength| PersonSpan {
            start,
            end,
            strength,
            evidence: vec!["model"],
        };
        let kept = dedupe(vec![span(0, 4, LOW), span(2, 9, HIGH), span(10, 12, LOW)]);
        assert_eq!(kept, vec![span(2, 9, HIGH), span(10, 12, LOW)]);
    }
}
