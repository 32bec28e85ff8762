//! English sentences of a paragraph that define a term by themselves
//! (docs/extraction.md, rule 7, "A sentence of a paragraph"): lecture
//! notes define in running prose, anywhere in a paragraph, and mark the
//! term by where it stands or by emphasis:
//!
//! - `This function is called __traffic intensity__.`: the term named last;
//! - `The instantaneous throughput at any instant of time is the rate …`:
//!   a name that says what it is, after other sentences;
//! - `…, then the __average throughput__ of the transfer is __F/T__.`: a
//!   bold term that is the subject of its sentence or of its main clause;
//! - `we need _end-point authentication_, a mechanism that …`: an
//!   emphasized term and the noun phrase after its comma that says what it is.
//!
//! The head's first sentence is the other rules' (`Walk::classify`): here
//! it may only name its term last or give it an apposition.

use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use crate::japanese::phrase;
use crate::outline::Head;

/// A sentence that defines a term: the text ranges of the term and of
/// what the card's back shows (the sentence, and the one before it when
/// it points back: `This function is called …`).
pub(super) struct Definition {
    pub term: Range<usize>,
    pub back: Range<usize>,
}

/// The English sentences of `head` that define a term, in order.
pub(super) fn definitions(head: &Head) -> Vec<Definition> {
    let text = head.text.as_str();
    if !may_define(head) {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut before: Option<Range<usize>> = None;
    for sentence in sentences(text) {
        let said = &text[sentence.clone()];
        if phrase::has_japanese(said) {
            before = None;
            continue;
        }
        let first = text[..sentence.start].trim().is_empty();
        let term = named_last(said)
            .map(|(term, subject)| {
                let points_back = phrase::points_back_in_english(&said[subject]);
                (shift(term, sentence.start), points_back)
            })
            .or_else(|| {
                let term = apposition(head, &sentence)
                    .or_else(|| {
                        (!first)
                            .then(|| copula_subject(said, sentence.start))
                            .flatten()
                    })
                    .or_else(|| bold_subject(head, &sentence, first))?;
                Some((term, false))
            });
        if let Some((term, points_back)) = term {
            let from = match &before {
                Some(before) if points_back => before.start,
                _ if points_back => {
                    // Nothing before says what `This` is.
                    before = Some(sentence);
                    continue;
                }
                _ => sentence.start,
            };
            found.push(Definition {
                term,
                back: from..sentence.end,
            });
        }
        before = Some(sentence);
    }
    found
}

/// Whether any rule here may apply: each needs a copula (`is`, `are`:
/// the naming verbs have one too) or an apposition's comma and article
/// (`, a`, `, the `). Told by one SIMD search for all four (`Marks`),
/// since most heads (all Japanese ones) have none.
fn may_define(head: &Head) -> bool {
    static MARKS: LazyLock<Marks> =
        LazyLock::new(|| Marks::new(COPULAS.iter().chain(&APPOSITIONS)));
    MARKS.is_in(head.text.as_bytes())
}

/// What opens an apposition: a comma and an article, as `apposition`
/// reads them after its term (`, a` covers its `, a ` and `, an `).
const APPOSITIONS: [&str; 2] = [", a", ", the "];

/// A few short words, found by one search, built once (building costs
/// more than a search of a short head): by Teddy's SIMD where the CPU has
/// it, by a general automaton elsewhere. (The automaton, timed in Teddy's
/// place, took back all the one search saves: it costs more to start on
/// a short head.)
enum Marks {
    Packed(aho_corasick::packed::Searcher),
    Automaton(AhoCorasick),
}

impl Marks {
    fn new<'w>(words: impl Iterator<Item = &'w &'static str> + Clone) -> Marks {
        match aho_corasick::packed::Searcher::new(words.clone()) {
            Some(packed) => Marks::Packed(packed),
            None => Marks::Automaton(AhoCorasick::new(words).expect("a few short words")),
        }
    }

    fn is_in(&self, text: &[u8]) -> bool {
        match self {
            Marks::Packed(packed) => packed.find(text).is_some(),
            Marks::Automaton(automaton) => automaton.is_match(text),
        }
    }
}

/// The copulas a definition sentence turns on, spaced as words.
const COPULAS: [&str; 2] = [" is ", " are "];

fn shift(range: Range<usize>, by: usize) -> Range<usize> {
    range.start + by..range.end + by
}

/// The byte ranges of the sentences of `text`, line by line: a sentence
/// ends at a line end, or at `.`, `?` or `!` followed by a space and what
/// may open a sentence (not a lower-case word or a digit: `e.g., the`,
/// `802.11`, `vs. the`).
fn sentences(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        while start < text.len() {
            let line_end = memchr::memchr(b'\n', &text.as_bytes()[start..])
                .map_or(text.len(), |at| start + at);
            let end = sentence_end(&text[..line_end], start).unwrap_or(line_end);
            let sentence = start..end;
            start = if end == line_end { end + 1 } else { end };
            let trimmed = text[sentence.clone()].trim_start();
            let from = sentence.end - trimmed.len();
            let to = from + trimmed.trim_end().len();
            if to > from {
                return Some(from..to);
            }
        }
        None
    })
}

/// Where the sentence of `text` starting at `from` ends, before the end
/// of `text`: just past its full stop, question or exclamation mark.
fn sentence_end(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = from;
    while let Some(found) = memchr::memchr3(b'.', b'?', b'!', &bytes[at..]) {
        let mark = at + found;
        at = mark + 1;
        let after = &text[at..];
        let next = after.trim_start_matches(' ');
        let spaced = next.len() < after.len();
        let opens = next
            .chars()
            .next()
            .is_some_and(|c| !c.is_lowercase() && !c.is_ascii_digit() && c != ',');
        let abbreviated = bytes[mark] == b'.' && ends_with_abbreviation(&text[from..mark]);
        if spaced && opens && !abbreviated {
            return Some(at);
        }
    }
    None
}

/// `vs.`, `e.g.`, `etc.`: a full stop that ends a word, not the sentence.
fn ends_with_abbreviation(text: &str) -> bool {
    const ABBREVIATIONS: [&str; 5] = ["vs", "e.g", "i.e", "cf", "approx"];
    let word = text.rsplit([' ', '(']).next().unwrap_or(text);
    ABBREVIATIONS.contains(&word)
}

/// The verbs that name a term after them: `…is called X`, `…are known
/// as X`. `also called`, `also known as` give another name in passing.
const NAMING_VERBS: [&str; 8] = [
    " is called ",
    " are called ",
    " is known as ",
    " are known as ",
    " is referred to as ",
    " are referred to as ",
    " is termed ",
    " are termed ",
];

/// `This function is called __traffic intensity__.`: the ranges of the
/// term named last (without its article) and of the subject it names.
fn named_last(sentence: &str) -> Option<(Range<usize>, Range<usize>)> {
    let (at, verb) = phrase::first_spaced_word(sentence, &NAMING_VERBS)?;
    let subject = &sentence[..at];
    if !phrase::says_something(subject) {
        return None;
    }
    let start = at + verb.len();
    let named = &sentence[start..];
    // The name ends the sentence, or a comma or semicolon ends it.
    let end = named.find([',', ';', '(']).unwrap_or(named.len());
    let named = named[..end].trim_end().trim_end_matches(['.', '!', '?']);
    let article = ["the ", "a ", "an "]
        .iter()
        .find(|a| named.starts_with(**a))
        .map_or(0, |a| a.len());
    let term = named[article..].trim_matches(['"', '\'', ' ']);
    let offset = start + named.find(term)?;
    let short = (1..=5).contains(&term.split_whitespace().count());
    (short && phrase::is_term(term) && !phrase::is_sentence_like(term))
        .then(|| (offset..offset + term.len(), 0..at))
}

/// A sentence after the first that opens by saying what a name is
/// (`phrase::english_definition_subject`): the range of the name.
fn copula_subject(sentence: &str, start: usize) -> Option<Range<usize>> {
    phrase::english_definition_subject(sentence).map(|(name, _)| shift(name, start))
}

/// `…, then the __average throughput__ of the transfer is …`: a bold term
/// that is the subject of its sentence, or of its main clause after a
/// condition or a phrase set off by a comma, perhaps after an article and
/// with an `of …` phrase after it, before `is` or `are`. At the head's
/// start, bold is the other rules' (`**X** is …`).
fn bold_subject(head: &Head, sentence: &Range<usize>, first: bool) -> Option<Range<usize>> {
    let text = head.text.as_str();
    head.strong.iter().find_map(|bold| {
        if bold.start < sentence.start || bold.end > sentence.end || bold.is_empty() {
            return None;
        }
        let before = text[sentence.start..bold.start].trim_end();
        let before = ["the", "The", "a", "A", "an", "An"]
            .iter()
            .find_map(|a| {
                before
                    .strip_suffix(a)
                    .filter(|b| b.is_empty() || b.ends_with(' '))
            })
            .unwrap_or(before)
            .trim_end();
        let opens_clause = before.is_empty()
            || before.ends_with(',')
            || before.ends_with(" then")
            || before == "Then";
        if !opens_clause || (first && before.is_empty()) {
            return None;
        }
        let after = &text[bold.end..sentence.end];
        let after = after.trim_start();
        let after = match after.strip_prefix("of ") {
            // `of the file transfer`: a few words, no clause.
            Some(of) => {
                let (verb, _) = phrase::first_spaced_word(of, &COPULAS)?;
                let phrase = &of[..verb];
                let few = phrase.split_whitespace().count() <= 5 && !phrase.contains([',', ';']);
                if !few {
                    return None;
                }
                &of[verb + 1..]
            }
            None => after,
        };
        let term = &text[bold.clone()];
        let defines = after.starts_with("is ") || after.starts_with("are ");
        (defines && phrase::is_term(term) && !term.ends_with('.')).then(|| bold.clone())
    })
}

/// `we need _end-point authentication_, a mechanism that …`: a term in
/// italics or bold followed by a comma and a noun phrase of a few words at
/// least, with its article, that says what it is. At the head's start a
/// bold term and its comma are the other rules' (`**IAM**, …`).
fn apposition(head: &Head, sentence: &Range<usize>) -> Option<Range<usize>> {
    let text = head.text.as_str();
    let at_head_start = |range: &Range<usize>| text[..range.start].trim().is_empty();
    let emphasized = head
        .emphasis
        .iter()
        .chain(head.strong.iter().filter(|bold| !at_head_start(bold)));
    emphasized
        .filter(|term| term.start >= sentence.start && term.end < sentence.end && !term.is_empty())
        .find(|term| {
            let after = &text[term.end..sentence.end];
            let Some(apposed) = [", a ", ", an ", ", the "]
                .iter()
                .find_map(|a| after.strip_prefix(a))
            else {
                return false;
            };
            let said = &text[(*term).clone()];
            apposed.split_whitespace().count() >= 3
                && phrase::is_term(said)
                && !phrase::is_sentence_like(said)
                && said.split_whitespace().count() <= 6
        })
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marks_are_found_alike_by_either_search() {
        let words = || COPULAS.iter().chain(&APPOSITIONS);
        let searches = [
            Marks::new(words()),
            Marks::Automaton(AhoCorasick::new(words()).unwrap()),
        ];
        let pieces = [
            " is ", " are ", ", a", ", the ", "is", " ", ",", "a", "the", "S3", "とは", "、",
        ];
        for text in crate::random_text::texts(&pieces, 6, 11, 5_000) {
            let bytes = text.as_bytes();
            let expected =
                words().any(|word| memchr::memmem::find(bytes, word.as_bytes()).is_some());
            for search in &searches {
                assert_eq!(search.is_in(bytes), expected, "{text:?}");
            }
        }
    }

    fn cut(text: &str) -> Vec<&str> {
        sentences(text).map(|r| &text[r]).collect()
    }

    #[test]
    fn sentences_end_at_marks_before_what_opens_one_and_at_line_ends() {
        assert_eq!(
            cut("One is a unit. Two, e.g. the pair vs. Three? Rates of 802.11 vary\n  Next line."),
            [
                "One is a unit.",
                "Two, e.g. the pair vs. Three?",
                "Rates of 802.11 vary",
                "Next line."
            ]
        );
    }

    #[test]
    fn a_term_named_last_is_found_without_its_article() {
        let sentence = "A set of compromised computers is called a botnet.";
        let (term, subject) = named_last(sentence).unwrap();
        assert_eq!(&sentence[term], "botnet");
        assert_eq!(&sentence[subject], "A set of compromised computers");
        assert!(named_last("It is also known as bandwidth.").is_none());
    }
}
