//! How the name model's entities and the rules' candidates become PERSON spans
//! (`piiscan/names/combine.py` documents the rules and wraps this, their one copy): a model
//! person span confirms, extends or adds a name; a model place or organisation hides a weak
//! candidate inside it; company names, paths and places are no persons; of overlapping spans
//! the strongest, then the longest, stays.
//!
//! Offsets are in characters (code points), as Python counts them.

use crate::context::{ContextMatcher, StemRule};
use crate::masking::Mask;
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

/// What the engine makes of the combined spans of a text (`PersonRecognizer.hits`): each
/// span's score after context (a name column, else a context stem within the window before
/// or after it), its value form and its mask. Built once per recognizer from its catalogue
/// entry.
#[derive(Clone, Debug)]
pub struct NameContext {
    stems: ContextMatcher,
    before: usize,
    after: usize,
    /// The score of each strength (`LOW..=HIGH`; index 0 unused).
    scores: [f64; 4],
}

/// One span as [`NameContext::hits`] finishes it.
#[derive(Clone, Debug, PartialEq)]
pub struct NameHit {
    /// Index of the span in the spans given.
    pub span: usize,
    /// The strength whose score the span takes (its own, or the one context raised it to).
    pub scored: u8,
    /// The context stem found near it (an index for [`NameContext::stem`]).
    pub stem: Option<usize>,
    /// `normalize.name_value_form` of the span, when it is made of plain Swedish letters
    /// (else `None`: Python's Unicode normalisation is needed).
    pub normalized: Option<String>,
    /// The span's mask, when every character is one Python's `\w` and the core read alike
    /// (ASCII and Latin-1 to Latin Extended-B); else `None`.
    pub masked: Option<String>,
}

/// A span as [`NameContext::hits`] reads it: `(start, end, strength, gazetteer_hit)`, offsets
/// in characters; `gazetteer_hit` `None` when not worked out.
pub type SpanIn = (usize, usize, u8, Option<bool>);

impl NameContext {
    /// :param stems: lower-case context stems with their rules.
    /// :param window: characters before and after a span where a stem counts.
    /// :param scores: the score of `LOW`, `MEDIUM` and `HIGH`.
    pub fn new(stems: Vec<(String, StemRule)>, window: (usize, usize), scores: [f64; 3]) -> Self {
        NameContext {
            stems: ContextMatcher::new(stems),
            before: window.0,
            after: window.1,
            scores: [0.0, scores[0], scores[1], scores[2]],
        }
    }

    /// The stem at `index`.
    pub fn stem(&self, index: usize) -> &str {
        self.stems.stem(index)
    }

    /// The spans of `text` starting before `owned` that score above zero, finished as
    /// `PersonRecognizer.hits` finishes them. `column`: the text is a cell of a column that
    /// names a person (a candidate with a gazetteer word is then `HIGH`, any other at least
    /// `MEDIUM`). A span outside the text, or with a strength outside `LOW..=HIGH`, is an
    /// error (`None`).
    pub fn hits(
        &self,
        rules: &NameRules,
        text: &str,
        spans: &[SpanIn],
        owned: usize,
        column: bool,
    ) -> Option<Vec<NameHit>> {
        // Byte offset of each character (and of the end), for the stems and the slices.
        let offsets: Vec<usize> = text
            .char_indices()
            .map(|(at, _)| at)
            .chain(std::iter::once(text.len()))
            .collect();
        let n = offsets.len() - 1;
        let mut lower = String::new();
        let mut out = Vec::new();
        for (index, &(start, end, strength, hit)) in spans.iter().enumerate() {
            if start > end || end > n || !(LOW..=HIGH).contains(&strength) {
                return None;
            }
            if start >= owned {
                continue;
            }
            let raw = &text[offsets[start]..offsets[end]];
            let mut scored = strength;
            let mut stem = None;
            if column {
                let hit = hit.unwrap_or_else(|| {
                    let chars: Vec<char> = raw.chars().collect();
                    rules.has_gazetteer_word(&chars, 0, chars.len())
                });
                let wanted = strength.max(if hit { HIGH } else { MEDIUM });
                scored = self.higher(scored, wanted);
            } else if !self.stems.is_empty() {
                let from = offsets[start.saturating_sub(self.before)];
                stem = self.stems.search(text, from, offsets[start], &mut lower);
                if stem.is_none() && self.after > 0 {
                    let to = offsets[(end + self.after).min(n)];
                    stem = self.stems.search(text, offsets[end], to, &mut lower);
                }
                if stem.is_some() {
                    scored = self.higher(scored, (strength + 1).min(HIGH));
                }
            }
            if self.scores[usize::from(scored)] <= 0.0 {
                continue;
            }
            out.push(NameHit {
                span: index,
                scored,
                stem,
                normalized: plain_value_form(raw),
                masked: latin_mask(raw),
            });
        }
        Some(out)
    }

    /// Of the strengths `own` and `other`, the one with the higher score (`own` on a tie):
    /// Python's `max(scores[own], scores[other])`.
    fn higher(&self, own: u8, other: u8) -> u8 {
        if self.scores[usize::from(other)] > self.scores[usize::from(own)] {
            other
        } else {
            own
        }
    }
}

/// `normalize.name_value_form(raw)` for the names its fast path takes (words of ASCII and
/// Swedish letters, one space or hyphen between them): lower case, `å ä ö é ü` without
/// their diacritics. `None` for any other text.
pub fn plain_value_form(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut after_letter = false;
    for character in raw.chars() {
        let folded = match character {
            'a'..='z' => character,
            'A'..='Z' => character.to_ascii_lowercase(),
            'Å' | 'å' | 'Ä' | 'ä' => 'a',
            'Ö' | 'ö' => 'o',
            'É' | 'é' => 'e',
            'Ü' | 'ü' => 'u',
            ' ' | '-' if after_letter => {
                after_letter = false;
                out.push(character);
                continue;
            }
            _ => return None,
        };
        after_letter = true;
        out.push(folded);
    }
    after_letter.then_some(out)
}

/// The PERSON mask of `raw` (`masking._mask_words`) when every character is ASCII or in
/// Latin-1 to Latin Extended-B (`U+00C0..=U+024F`), where Python's `\w` and
/// [`char::is_alphanumeric`] agree; `None` otherwise.
pub fn latin_mask(raw: &str) -> Option<String> {
    raw.chars()
        .all(|c| c.is_ascii() || ('\u{c0}'..='\u{24f}').contains(&c))
        .then(|| Mask::Words.apply(raw))
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

    #[test]
    fn folds_plain_names_and_leaves_the_rest_to_python() {
        let table: &[(&str, Option<&str>)] = &[
            ("Åsa Öberg", Some("asa oberg")),
            ("ANNA-KARIN Ekström", Some("anna-karin ekstrom")),
            ("José Müller", Some("jose muller")),
            ("Anna  Berg", None),
            ("Anna ", None),
            ("-Anna", None),
            ("", None),
            ("Zoë Brant", None),
            ("Anna\nBerg", None),
        ];
        for (raw, expected) in table {
            assert_eq!(plain_value_form(raw).as_deref(), *expected, "{raw:?}");
        }
    }

    #[test]
    fn masks_latin_names_and_leaves_the_rest_to_python() {
        let table: &[(&str, Option<&str>)] = &[
            ("Åsa Öberg", Some("Å** Ö****")),
            ("Anna-Karin af Klint", Some("A***-K**** a* K****")),
            ("Łukasz Ñúñez", Some("Ł***** Ñ****")),
            ("Zoë Brant", Some("Z** B****")),
            ("Ἀλέξανδρος", None),
        ];
        for (raw, expected) in table {
            assert_eq!(latin_mask(raw).as_deref(), *expected, "{raw:?}");
        }
    }

    #[test]
    fn scores_spans_by_column_and_context() {
        let rules = crate::names::tests::rules();
        let context = NameContext::new(
            vec![
                ("namn".to_string(), StemRule::Word),
                ("kontaktperson".to_string(), StemRule::Inside),
            ],
            (40, 0),
            [0.4, 0.7, 0.9],
        );
        let text = "Kontaktperson Zorbo Quapp; Åsa Öberg och Xyla.";
        let spans: [SpanIn; 3] = [
            (14, 25, LOW, Some(false)),
            (27, 36, HIGH, None),
            (41, 45, LOW, Some(false)),
        ];
        let hits = context
            .hits(&rules, text, &spans, 41, false)
            .expect("valid");
        let got: Vec<(usize, u8, Option<&str>)> = hits
            .iter()
            .map(|hit| (hit.span, hit.scored, hit.stem.map(|s| context.stem(s))))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, MEDIUM, Some("kontaktperson")),
                (1, HIGH, Some("kontaktperson"))
            ]
        );
        assert_eq!(hits[1].normalized.as_deref(), Some("asa oberg"));
        assert_eq!(hits[1].masked.as_deref(), Some("Å** Ö****"));
        let in_column = context.hits(&rules, text, &spans, 99, true).expect("valid");
        let scored: Vec<u8> = in_column.iter().map(|hit| hit.scored).collect();
        assert_eq!(scored, vec![MEDIUM, HIGH, MEDIUM]);
        assert!(context
            .hits(&rules, text, &[(41, 99, LOW, None)], 99, false)
            .is_none());
    }
}
