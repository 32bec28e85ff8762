//! What a phrase is, as a reader of Japanese tells: a label, a name (term),
//! a sentence, a question, or a definition sentence `X は、…`.

use std::ops::Range;
use std::sync::LazyLock;

use super::script::{
    is_close_bracket, is_hiragana, is_japanese, is_kanji, is_katakana, is_latin_or_digit, is_space,
};
use super::words::{
    ACTORS, ASPECTS, CLAUSE_HIRAGANA, COMPARISON_AXES, CONNECTIVES, COPULAS, COUNTERS,
    COUNT_QUALIFIERS, DEMONSTRATIVES, DESCRIBING_HEADERS, ENGLISH_DEMONSTRATIVES,
    ENGLISH_FINITE_VERBS, ENGLISH_NUMBERS, ENGLISH_PREDICATES, FILING_HEADINGS, FORWARD_POINTERS,
    GENERIC_FIRST_HEADERS, INSTRUCTIONS, LABELS, LABEL_QUALIFIERS, NAME_HEADERS, NAMING_MARKERS,
    NAMING_TAILS, PARTICLES, POLITE_OR_PAST_ENDINGS, PREDICATE_ENDINGS, QUESTION_ENDINGS,
    QUESTION_WORDS, UPDATE_NOTES,
};
use super::TrimSpaces;
use super::{char_offsets, folded, is_nfkc_stable};

/// Whether `text` and `word` start with the same character: told first by
/// its first byte (alike for most kana), it rules out most words of a list
/// before `starts_with`, which calls `memcmp` for each.
#[inline]
fn same_first_char(text: &str, word: &str) -> bool {
    text.as_bytes().first() == word.as_bytes().first() && text.chars().next() == word.chars().next()
}

/// Whether `text` and `word` end with the same byte: one comparison rules
/// out most words of a list before `ends_with`, which calls `memcmp`.
#[inline]
fn same_last_byte(text: &str, word: &str) -> bool {
    text.as_bytes().last() == word.as_bytes().last()
}

/// Whether `text` starts with one of `words` (none of them empty).
fn starts_with_any(text: &str, words: &[&str]) -> bool {
    words
        .iter()
        .any(|w| same_first_char(text, w) && text.starts_with(w))
}

/// Whether `text` ends with one of `words` (none of them empty).
fn ends_with_any(text: &str, words: &[&str]) -> bool {
    words
        .iter()
        .any(|w| same_last_byte(text, w) && text.ends_with(w))
}

/// The first of `words` in `text`, each word a space and more (`" is
/// called "`, `" at "`): where it starts and which it is, the smallest of
/// those that start there. One pass over the spaces of `text`, instead of
/// a search of all of it for each word; at a space, only the words whose
/// second byte follows it are compared.
pub fn first_spaced_word<'w>(text: &str, words: &[&'w str]) -> Option<(usize, &'w str)> {
    debug_assert!(words.iter().all(|w| w.len() > 1 && w.starts_with(' ')));
    let bytes = text.as_bytes();
    bytes
        .iter()
        .enumerate()
        .filter(|&(_, &byte)| byte == b' ')
        .find_map(|(at, _)| {
            let rest = &bytes[at..];
            let second = *rest.get(1)?;
            words
                .iter()
                .filter(|w| w.as_bytes()[1] == second && rest.starts_with(w.as_bytes()))
                .min()
                .map(|w| (at, *w))
        })
}

/// Whether `text` has kana or kanji: never when it is all ASCII, which is
/// told a word at a time (English terms and sentences), not a character
/// at a time.
pub fn has_japanese(text: &str) -> bool {
    // Kana and kanji take three bytes or four, the first 0xE3 or more: the
    // text before the first such byte (an English term, a number) is
    // passed over without decoding it.
    let bytes = text.as_bytes();
    !text.is_ascii()
        && bytes
            .iter()
            .position(|&byte| byte >= 0xe3)
            .is_some_and(|at| text[at..].contains(is_japanese))
}

/// Labels are short: longer text is never one, and is not folded to check.
const LONGEST_LABEL: usize = 48;

/// `ステップ 3`, `※補足`, `Note`, `概要`: a label alone, perhaps numbered.
pub fn is_label(text: &str) -> bool {
    label_of(text).is_some() || super::author::is_label(text)
}

/// `概要`, `主な機能`, `Features`: a label that says what the thing it is
/// under is (`words::ASPECTS`).
pub fn is_aspect(text: &str) -> bool {
    label_of(text).is_some_and(|label| ASPECTS.contains(&label))
}

/// The label (of `LABELS` or `ASPECTS`) that `text` is, perhaps numbered,
/// marked, qualified or in the plural (`問題のシナリオ:` → `シナリオ`).
pub fn label_of(text: &str) -> Option<&'static str> {
    let text = text.trim_spaces();
    if text.len() > LONGEST_LABEL || !may_start_label(text) {
        return None;
    }
    let folded = folded(text);
    let word = folded
        .trim_start_matches(['※', '*', '■', '●', '・'])
        .trim_end_matches(|c: char| {
            c.is_ascii_digit() || is_space(c) || matches!(c, '.' | ')' | '-' | ':')
        })
        .trim_end_matches(is_space);
    // `Exam Tips`, `試験のポイント`: a label for what a test asks is a label.
    let word = LABEL_QUALIFIERS
        .iter()
        .find_map(|q| word.strip_prefix(*q))
        .map_or(word, |rest| rest.trim_start_matches(is_space));
    // English labels head lists in the plural: `Keywords`, `Exam Tips`.
    let singular = word
        .strip_suffix('s')
        .filter(|w| w.is_ascii() && w.len() > 2);
    let known = |word: &str| LABELS.iter().chain(ASPECTS).find(|&&label| label == word);
    known(word).or_else(|| singular.and_then(known)).copied()
}

/// `LABELS` sorted: those that start with a character stand together, for
/// `leading_label` to compare with a head only those that start like it.
static SORTED_LABELS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut labels = LABELS.to_vec();
    labels.sort_unstable();
    labels
});

/// Whether `text`, folded, may start with a label or with what qualifies
/// one. Most text starts otherwise (`Amazon …` is no `answer`): when
/// folding leaves its first two characters as they are (but for case),
/// that is told from them, without folding.
fn may_start_label(text: &str) -> bool {
    const PROBE: usize = 2;
    let mut probe = ['\0'; PROBE];
    let mut known = 0;
    let mut chars = text.chars();
    while known < PROBE {
        match chars.next() {
            Some(c) if is_nfkc_stable(c) => probe[known] = c.to_ascii_lowercase(),
            // The end of the text: every character taken is known.
            None => break,
            // A mark after the last character taken could compose with it.
            Some(_) => {
                known = known.saturating_sub(1);
                break;
            }
        }
        known += 1;
    }
    // The same for the last of a full probe, by the character after it.
    if known == PROBE && !chars.next().is_none_or(is_nfkc_stable) {
        known -= 1;
    }
    // A `*` may be a mark before the label.
    if known == 0 || probe[0] == '*' {
        return true;
    }
    let from = LABEL_STARTS.partition_point(|&(first, _)| first < probe[0]);
    LABEL_STARTS[from..]
        .iter()
        .take_while(|&&(first, _)| first == probe[0])
        .any(|&(_, second)| known == 1 || second == '\0' || second == probe[1])
}

/// The first two characters of every label and qualifier (`'\0'` for a
/// word of one), compared without decoding the words each time; sorted,
/// so that those with the first character of a text are found by a
/// binary search.
static LABEL_STARTS: LazyLock<Vec<(char, char)>> = LazyLock::new(|| {
    let mut starts: Vec<(char, char)> = LABELS
        .iter()
        .chain(ASPECTS)
        .chain(LABEL_QUALIFIERS)
        .map(|word| {
            let mut chars = word.chars();
            let first = chars.next().expect("no label is empty");
            (first, chars.next().unwrap_or('\0'))
        })
        .collect();
    starts.sort_unstable();
    starts
});

/// The label a head starts with, when a separator, a number or nothing
/// follows it: `エラー内容：…` → `エラー内容`, `シナリオ 2: …` → `シナリオ`.
pub fn leading_label(text: &str) -> Option<&'static str> {
    let text = text.trim_start_matches(is_space);
    if !may_start_label(text) {
        return None;
    }
    let prefix_end = text
        .char_indices()
        .nth(LONGEST_LABEL / 2)
        .map_or(text.len(), |(at, _)| at);
    let folded = folded(&text[..prefix_end]);
    let folded = folded.trim_start_matches(['※', '*', '■', '●', '・']);
    // Only the labels that start with the head's first character.
    let first = &folded[..folded.chars().next()?.len_utf8()];
    let labels = &SORTED_LABELS[SORTED_LABELS.partition_point(|label| *label < first)..];
    labels
        .iter()
        .copied()
        .take_while(|label| label.starts_with(first))
        .filter(|label| folded.starts_with(label))
        .max_by_key(|l| l.len())
        .filter(|label| {
            let rest = folded[label.len()..]
                .trim_start_matches(|c: char| c.is_ascii_digit() || is_space(c));
            rest.is_empty() || rest.starts_with([':', '.', ')', '、'])
        })
}

/// Text that ends like a predicate or a sentence, not like a name.
pub fn is_sentence_like(text: &str) -> bool {
    let text = text.trim_end_matches(is_space);
    if text.ends_with(['。', '！', '？', '!', '?']) {
        return true;
    }
    if ends_with_any(text, PREDICATE_ENDINGS) || is_clause(text) || is_english_clause(text) {
        return true;
    }
    // An English sentence: several words and a full stop.
    text.ends_with('.') && text.split_whitespace().count() >= 3 && !has_japanese(text)
}

/// An English clause rather than a name: many words, or a finite verb
/// among several (`You can create roles`, `Policies are made up of …`).
fn is_english_clause(text: &str) -> bool {
    if has_japanese(text) {
        return false;
    }
    let words = text.split_whitespace().count();
    let finite = || {
        text.split_whitespace().any(|w| {
            ENGLISH_FINITE_VERBS
                .iter()
                .any(|v| w.eq_ignore_ascii_case(v))
        })
    };
    words > 12 || (words >= 4 && finite())
}

/// Clauses joined by a comma that end in a dictionary-form verb
/// (`各サイクルで、…学習を行う`): a sentence, not a task name.
fn is_clause(text: &str) -> bool {
    // The ending first: one character, where the comma takes a pass.
    text.ends_with(['う', 'く', 'ぐ', 'す', 'つ', 'ぬ', 'ぶ', 'む', 'る'])
        && text.contains(['、', '，'])
}

/// A question, or an exam instruction that asks for an answer.
pub fn is_question(text: &str) -> bool {
    let text = text
        .trim_end_matches(is_space)
        .trim_end_matches(['。', '.']);
    ends_with_any(text, QUESTION_ENDINGS) || ends_with_any(text, INSTRUCTIONS)
}

/// A phrase that names a thing, marked as a term by a separator after it.
/// Length never disqualifies it, nor does a dictionary-form verb
/// (`ターゲットグループのヘルスチェックを設定する`), but sentence punctuation,
/// a polite or past ending, a label or a trailing particle do.
pub fn is_term(text: &str) -> bool {
    is_term_unless_label(text) && !is_label(text)
}

/// `is_term` for text already found to be no label (`is_label`).
pub fn is_term_unless_label(text: &str) -> bool {
    let text = text.trim_spaces();
    !text.is_empty()
        && !has_sentence_mark(text)
        && !text.contains(". ")
        && !is_english_clause(text)
        && !is_clause(text)
        && !ends_with_any(text, POLITE_OR_PAST_ENDINGS)
        && !ends_with_particle(text)
        && definition_subject(text).is_none()
}

/// Whether `text` holds `。`, `！`, `？`, `!`, `?` or a line break, told
/// from its bytes (a search for any of several characters decodes each).
fn has_sentence_mark(text: &str) -> bool {
    let bytes = text.as_bytes();
    // Continuation bytes are 0x80 to 0xBF: each byte matched here starts
    // a character.
    bytes.iter().enumerate().any(|(at, &byte)| match byte {
        b'!' | b'?' | b'\n' => true,
        // U+3002 `。`.
        0xe3 => bytes[at + 1..].starts_with(&[0x80, 0x82]),
        // U+FF01 `！`, U+FF1F `？`.
        0xef => matches!(bytes[at + 1..], [0xbc, 0x81 | 0x9f, ..]),
        _ => false,
    })
}

fn ends_with_particle(text: &str) -> bool {
    PARTICLES
        .iter()
        .filter(|p| same_last_byte(text, p))
        .any(|p| {
            text.strip_suffix(*p).is_some_and(|rest| {
                !rest.ends_with(is_hiragana) || *p == "から" || *p == "まで" || *p == "より"
            })
        })
}

/// `X は、…`, `X とは…`: the byte ranges of the subject X and of the rest,
/// when X names a thing. A leading connective (`また、`) is not part of X.
pub fn definition_subject(text: &str) -> Option<(Range<usize>, usize)> {
    let start = after_connective(text);
    let body = &text[start..];
    let ha = char_offsets(body, 'は').next()?;
    let (subject, marker_len) = match body[..ha].strip_suffix('と') {
        Some(before) => (before, 'と'.len_utf8() + 'は'.len_utf8()),
        None => (&body[..ha], 'は'.len_utf8()),
    };
    let mut rest = ha + 'は'.len_utf8();
    let after = &body[rest..];
    let comma = ['、', ',']
        .iter()
        .find_map(|c| after.trim_start_matches(is_space).strip_prefix(*c));
    // `Xとは何か。`: the sentence asks instead of defining.
    let said = after.trim_start_matches(is_space);
    if starts_with_any(said, QUESTION_WORDS) {
        return None;
    }
    match comma {
        Some(tail) => rest = body.len() - tail.len(),
        // `X とは…` needs no comma; a bare `X は` does.
        None if marker_len > 'は'.len_utf8() => {}
        None => return None,
    }
    let trimmed = subject.trim_end_matches(is_space);
    is_subject(trimmed).then(|| (start..start + trimmed.len(), start + rest))
}

/// `X には、…`, `X では、…`: a sentence about X that places it first
/// (`ELB には、以下の 2 つの…があります`), X a name as `definition_subject`
/// wants it. It says what X has or does there, never what X is.
pub fn has_placed_subject(text: &str) -> bool {
    let body = &text[after_connective(text)..];
    let Some(ha) = char_offsets(body, 'は').next() else {
        return false;
    };
    let commas = body[ha + 'は'.len_utf8()..]
        .trim_start_matches(is_space)
        .starts_with(['、', ',']);
    let subject = body[..ha]
        .strip_suffix(['に', 'で'])
        .map(|s| s.trim_end_matches(is_space));
    commas && subject.is_some_and(is_subject)
}

/// `…ことを X という。`, `…を **X** と呼ぶ。`, `…の手本となるのが X。`: a
/// sentence that names its term last. Returns the byte ranges of X and of
/// the definition before it (up to the particle), when X names a thing.
/// `…とも呼ばれる` (another name, said in passing) and `Xという名前の…`
/// (the naming phrase modifies a noun) define nothing.
pub fn term_last(text: &str) -> Option<(Range<usize>, Range<usize>)> {
    // Every naming marker starts with `と`; `…のが X` has `のが`.
    if char_offsets(text, 'と').next().is_none() && char_offsets(text, 'が').next().is_none() {
        return None;
    }
    let body = text
        .trim_end_matches(is_space)
        .trim_end_matches(['。', '.'])
        .trim_end_matches(is_space);
    // (where the definition ends, where the term starts, where it ends)
    // Where each marker first stands, from one pass over the `と`s.
    let mut firsts = [None; NAMING_MARKERS.len()];
    for at in char_offsets(body, 'と') {
        for (first, marker) in firsts.iter_mut().zip(NAMING_MARKERS) {
            if first.is_none() && body[at..].starts_with(marker) {
                *first = Some(at);
            }
        }
    }
    let (definition_end, term_start, term_end) = NAMING_MARKERS
        .iter()
        .zip(firsts)
        .find_map(|(marker, at)| {
            let at = at?;
            let tail = &body[at + marker.len()..];
            let ends = tail.is_empty()
                || (tail.chars().all(is_hiragana) && !tail.starts_with('の'))
                || NAMING_TAILS.iter().any(|t| tail.starts_with(*t));
            let particle = body[..at].rfind(['を', 'は'])?;
            ends.then_some((particle, particle + 'を'.len_utf8(), at))
        })
        .or_else(|| {
            // `…となるのが X。`: what serves as … is X.
            // The last `のが`: a `が` after an `の`.
            let at = char_offsets(body, 'が')
                .rev()
                .find(|&at| body[..at].ends_with('の'))?
                - 'の'.len_utf8();
            if !body[..at].ends_with("なる") {
                return None;
            }
            let end = COPULAS
                .iter()
                .find_map(|c| body.strip_suffix(*c))
                .map_or(body.len(), str::len);
            Some((at, at + "のが".len(), end.max(at + "のが".len())))
        })?;
    // Bold that CommonMark leaves as literal `**` beside Japanese text
    // (`…を**BPO(…)**と呼ぶ`) still only marks the term.
    let is_mark = |c: char| is_space(c) || c == '*' || c == '_';
    let term = &body[term_start..term_end];
    let start = term_start + (term.len() - term.trim_start_matches(is_mark).len());
    let end = term_start + term.trim_end_matches(is_mark).len();
    let definition = body[..definition_end].trim_end_matches(is_space);
    let named = start < end && is_subject(&body[start..end]);
    (named && says_something(definition)).then_some((start..end, 0..definition.len()))
}

/// A definition that points back (`この仕組み`, `それを行う事業者`).
pub fn points_back(definition: &str) -> bool {
    let definition = definition.trim_start_matches(is_space);
    starts_with_any(definition, DEMONSTRATIVES)
}

/// An English subject that points back (`This function`, `It`, `These
/// attacks`): what it is, the sentence before says.
pub fn points_back_in_english(subject: &str) -> bool {
    subject
        .split_whitespace()
        .next()
        .is_some_and(|first| ENGLISH_DEMONSTRATIVES.contains(&first))
}

/// A line that names a thing and nothing else, its definition on the next
/// line: short, no clause, no sentence, question or label.
pub fn is_name_line(text: &str) -> bool {
    let text = text.trim_spaces();
    let short = if has_japanese(text) {
        text.chars().count() <= 40
    } else {
        text.split_whitespace().count() <= 6
    };
    short
        && is_term(text)
        && ends_like_a_name(text)
        && !text.contains(['、', ',', '，'])
        && !is_sentence_like(text)
        && !is_question(text)
}

/// Text that announces the list after it: it points forward (`以下`,
/// `次の`, `the following`) or ends with a count (`10項目`, `2つ`,
/// `three categories`).
pub fn announces_list(text: &str) -> bool {
    let text = text.trim_spaces();
    let folded = folded(text);
    let points = FORWARD_POINTERS.iter().any(|p| folded.contains(p));
    let counted = COUNTERS.iter().any(|c| {
        folded
            .strip_suffix(*c)
            .is_some_and(|rest| rest.ends_with(|d: char| d.is_ascii_digit()))
    });
    points || counted || ends_with_english_count(text)
}

/// `Most fall into three categories`, `in 4 steps`, `two more layers`:
/// English text that ends with a number and the plural noun it counts,
/// perhaps qualified (`more`, `main`).
fn ends_with_english_count(text: &str) -> bool {
    let mut words = text.trim_end_matches([':', '.']).rsplit(' ');
    let noun = words.next().unwrap_or_default();
    let plural =
        noun.len() > 3 && noun.ends_with('s') && noun.bytes().all(|b| b.is_ascii_lowercase());
    let is_number = |word: &str| {
        ENGLISH_NUMBERS.contains(&word)
            || (!word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()))
    };
    let counted = match words.next() {
        Some(word) if is_number(word) => true,
        Some(word) if COUNT_QUALIFIERS.contains(&word) => words.next().is_some_and(is_number),
        _ => false,
    };
    plural && counted
}

/// Whether the rest of a definition says anything: `Xとは。` does not.
pub fn says_something(rest: &str) -> bool {
    rest.chars()
        .any(|c| !is_space(c) && !matches!(c, '、' | ',' | '。' | '.' | '?' | '？' | '!' | '！'))
}

/// The byte offset just past a leading connective and its comma.
pub fn after_connective(text: &str) -> usize {
    let trimmed = text.trim_start_matches(is_space);
    let offset = text.len() - trimmed.len();
    // No connective has a comma: the word before the first comma is the
    // one that may be a connective. A few bytes tell where that comma is,
    // when it is near enough (in most text it is not).
    let near = &trimmed.as_bytes()[..trimmed.len().min(LONGEST_CONNECTIVE + "、".len())];
    let comma = near.iter().enumerate().find_map(|(at, &byte)| match byte {
        b',' => Some((at, 1)),
        _ if near[at..].starts_with("、".as_bytes()) => Some((at, "、".len())),
        _ => None,
    });
    comma
        .filter(|&(at, _)| CONNECTIVES.contains(&&trimmed[..at]))
        .map_or(offset, |(at, len)| {
            text.len() - trimmed[at + len..].trim_start_matches(is_space).len()
        })
}

/// The bytes of the longest of `CONNECTIVES`.
const LONGEST_CONNECTIVE: usize = {
    let mut longest = 0;
    let mut i = 0;
    while i < CONNECTIVES.len() {
        if CONNECTIVES[i].len() > longest {
            longest = CONNECTIVES[i].len();
        }
        i += 1;
    }
    longest
};

/// A noun phrase naming a thing: short, ending in kanji, katakana, a Latin
/// letter or digit, or a closing bracket; no clause inside; no actor.
fn is_subject(subject: &str) -> bool {
    ends_like_a_name(subject)
        && subject.chars().count() <= 60
        && !subject.contains(['、', ',', '。'])
        && !hiragana_runs(subject)
            .any(|run| run.chars().count() >= 3 || CLAUSE_HIRAGANA.contains(&run))
        && !is_actor(subject)
        && !is_label(subject)
}

/// A person or group that acts in a story (`DevOps エンジニア`).
fn is_actor(subject: &str) -> bool {
    let folded = folded(subject);
    ends_with_any(&folded, ACTORS)
}

/// Ends in kanji, katakana, a Latin letter or digit, or a closing bracket,
/// as names do; hiragana ends a clause or a particle.
fn ends_like_a_name(text: &str) -> bool {
    text.chars().last().is_some_and(|last| {
        is_kanji(last) || is_katakana(last) || is_latin_or_digit(last) || is_close_bracket(last)
    })
}

fn hiragana_runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_hiragana(c))
        .filter(|run| !run.is_empty())
}

/// `〜ながら (while) is used to …`, `ちょっと can mean …`: a Japanese word
/// or pattern, perhaps with its reading or gloss in brackets, opening an
/// English sentence about it, as a learner writes. The byte ranges of the
/// word with its brackets, and where the predicate begins.
pub fn japanese_subject_of_english(text: &str) -> Option<(Range<usize>, usize)> {
    let is_word = |c: char| is_japanese(c) || "〜～~・/／".contains(c);
    let word_end = text.find(|c| !is_word(c))?;
    if !has_japanese(&text[..word_end]) {
        return None;
    }
    let after_word = text[word_end..].trim_start_matches(is_space);
    let subject_end = match after_word.chars().next() {
        Some(open @ ('(' | '（')) => {
            let close = if open == '(' { ')' } else { '）' };
            let at = after_word.find(close)?;
            text.len() - after_word.len() + at + close.len_utf8()
        }
        _ => word_end,
    };
    let predicate = text[subject_end..].trim_start_matches(is_space);
    let spaced = predicate.len() < text.len() - subject_end;
    let mut words = predicate.split_whitespace();
    let opens = words
        .next()
        .is_some_and(|first| ENGLISH_PREDICATES.contains(&first));
    (spaced && opens && words.nth(1).is_some())
        .then(|| (0..subject_end, text.len() - predicate.len()))
}

/// `The Internet is a connected collection of …`, `a bottleneck is the min
/// of …`: an English sentence that opens by saying what a thing of one to
/// three words is. The byte ranges of the thing (without its article) and
/// of where what it is begins. A pronoun (`It is a …`) or a question word
/// (`What is a region?`) names nothing.
pub fn english_definition_subject(text: &str) -> Option<(Range<usize>, usize)> {
    const COPULAS: [&str; 3] = [" is a ", " is an ", " is the "];
    const PRONOUNS: [&str; 15] = [
        "it", "this", "that", "there", "these", "those", "they", "one", "what", "which", "who",
        "where", "when", "why", "how",
    ];
    if has_japanese(text) {
        return None;
    }
    let (copula, _) = first_spaced_word(text, &COPULAS)?;
    let subject = &text[..copula];
    let article = ["The ", "the ", "A ", "a ", "An ", "an "]
        .iter()
        .find(|a| subject.starts_with(**a))
        .map_or(0, |a| a.len());
    // `The instantaneous throughput at any instant of time is …`: a phrase
    // of time or place after the name says when or where, it is no part of
    // the name (while `of` makes one: `The field of network security`).
    let named = &subject[article..];
    let name_end =
        first_spaced_word(named, &CIRCUMSTANCES).map_or(subject.len(), |(at, _)| article + at);
    let words: Vec<&str> = subject[article..name_end].split_whitespace().collect();
    let names = (1..=3).contains(&words.len())
        && !PRONOUNS.iter().any(|p| words[0].eq_ignore_ascii_case(p))
        && !subject.contains([',', '.', ';', ':', '!', '?', '\n'])
        && !is_label(&subject[article..name_end]);
    names.then(|| (article..name_end, copula + " is ".len()))
}

/// The prepositions that open a phrase of time or place after a name.
const CIRCUMSTANCES: [&str; 6] = [" at ", " in ", " on ", " during ", " within ", " over "];

/// A table header that says its column names the rows: `用語`, `漢字`,
/// `Word`, `Adverbs` (`words::NAME_HEADERS`).
pub fn names_rows(header: &str) -> bool {
    is_header_word(header, NAME_HEADERS)
}

/// Whether a table's first header and the headers after it say the table
/// compares things, its rows the points compared: the first is an axis
/// (`比較軸`, `Criteria`; `words::COMPARISON_AXES`), or empty, or only
/// says the rows are points (`項目`, `Feature`) over headers none of
/// which says what a cell is about its row (`説明`, `Meaning`).
pub fn is_comparison(first: &str, others: &[&str]) -> bool {
    if others.iter().all(|h| h.trim_spaces().is_empty()) {
        return false;
    }
    let first = first.trim_spaces();
    let describes = |header: &&str| {
        let folded = folded(header);
        DESCRIBING_HEADERS.iter().any(|word| folded.contains(word))
    };
    first.is_empty()
        || is_header_word(first, COMPARISON_AXES)
        || (is_header_word(first, GENERIC_FIRST_HEADERS) && !others.iter().any(describes))
}

/// `header`, folded, is one of `words`, or in English their plural.
fn is_header_word(header: &str, words: &[&str]) -> bool {
    let folded = folded(header.trim_spaces());
    let singular = folded.strip_suffix('s').filter(|w| w.is_ascii());
    words
        .iter()
        .any(|&word| folded == word || singular == Some(word))
}

/// A heading that only numbers or files things: `41.`, `01-10`, `Q3`,
/// `第2章`, `目次`, a date, or an exam question's id (`H28S P19`,
/// `R1F 問5`): numbers, perhaps with short codes beside them.
pub fn is_filing_heading(text: &str) -> bool {
    let folded = folded(text.trim_spaces());
    if FILING_HEADINGS.contains(&folded.as_ref()) {
        return true;
    }
    let mut tokens = folded.split(is_space).filter(|t| !t.is_empty());
    let all_filing = tokens
        .clone()
        .all(|t| is_number_token(t) || is_code_token(t) || UPDATE_NOTES.contains(&t));
    all_filing && tokens.any(is_number_token)
}

/// `41.`, `2023-05-13`, `第3問`, `問5`, `Q12`, `P19`, `No.3`: a number,
/// perhaps with the word for question, problem, chapter or date around it.
fn is_number_token(token: &str) -> bool {
    let stripped = token
        .trim_start_matches("no.")
        .trim_start_matches(['q', 'p', '第', '問'])
        .trim_end_matches(['章', '節', '問', '回', '号', '日', '月', '年']);
    stripped.chars().any(|c| c.is_ascii_digit())
        && stripped.chars().all(|c| {
            c.is_ascii_digit()
                || matches!(
                    c,
                    '.' | '-' | '/' | ':' | '~' | '〜' | '(' | ')' | '年' | '月' | '日'
                )
        })
}

/// `h28s`, `r1f`: a short code of letters and digits (an exam's year and
/// season); alone it is a name (`S3`, `EC2`), beside a number it files.
fn is_code_token(token: &str) -> bool {
    token.len() <= 5
        && token.chars().any(|c| c.is_ascii_digit())
        && token.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A front as it is shown: spaces collapsed, none just inside brackets, no
/// separator at the end.
pub fn clean_front(text: &str) -> String {
    let cleaned = collapsed_front(text);
    match unquoted(&cleaned) {
        inner if inner.len() < cleaned.len() => inner.to_string(),
        _ => cleaned,
    }
}

/// `clean_front` but for the quotes around it.
fn collapsed_front(text: &str) -> String {
    // Most fronts have no space to collapse, or words apart by one ASCII
    // space each (`Amazon EC2 インスタンス`): one pass over their bytes tells.
    match spaces(text) {
        Spaces::None => text.trim_end_matches([':', '：']).to_string(),
        Spaces::Ascii if collapsed_already(text) => {
            text.trim_end_matches([':', '：', ' ']).to_string()
        }
        _ => collapse_spaces(text),
    }
}

/// `"root account"` → `root account`: quotes around a whole name mark it
/// as the term, and are no part of it. A name quoted in part
/// (`"Hello" World`, `DevOpsにおける「サイクル」`) keeps its quotes.
fn unquoted(text: &str) -> &str {
    const QUOTES: [(char, char); 4] = [('"', '"'), ('“', '”'), ('「', '」'), ('『', '』')];
    let Some(first) = text.chars().next() else {
        return text;
    };
    let Some(&(open, close)) = QUOTES.iter().find(|(open, _)| *open == first) else {
        return text;
    };
    let inner = text[open.len_utf8()..].strip_suffix(close);
    match inner {
        Some(inner) if !inner.is_empty() && !inner.contains([open, close]) => inner,
        _ => text,
    }
}

/// `clean_front` of text with spaces to collapse.
fn collapse_spaces(text: &str) -> String {
    let mut cleaned = String::with_capacity(text.len());
    let mut words = text.split(is_space).filter(|w| !w.is_empty()).peekable();
    while let Some(word) = words.next() {
        cleaned.push_str(word);
        let space_wanted = words.peek().is_some_and(|next| {
            !word.ends_with(super::script::is_open_bracket) && !next.starts_with(is_close_bracket)
        });
        if space_wanted {
            cleaned.push(' ');
        }
    }
    cleaned.truncate(cleaned.trim_end_matches([':', '：', ' ']).len());
    cleaned
}

/// Whether the spaces of `text`, all ASCII, are as collapsing leaves them:
/// one between two words, none at either end or just inside brackets.
fn collapsed_already(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b' ', bytes).all(|at| {
        let before = text[..at].chars().next_back();
        let after = text[at + 1..].chars().next();
        before.is_some_and(|c| c != ' ' && !super::script::is_open_bracket(c))
            && after.is_some_and(|c| c != ' ' && !is_close_bracket(c))
    })
}

/// What white space (`is_space`) a text holds.
#[derive(Debug, PartialEq, Eq)]
enum Spaces {
    None,
    /// Only ASCII spaces (`' '`).
    Ascii,
    /// Tabs, line breaks, the ideographic space or other white space.
    Others,
}

/// The white space of `text`, told from the first bytes of its characters:
/// only four begin white space beyond ASCII. Every byte is looked at, as
/// none of those it tells by is ever inside a character (UTF-8's
/// continuation bytes are 0x80 to 0xBF): no step from character to
/// character, which mixed ASCII and kana would mispredict.
fn spaces(text: &str) -> Spaces {
    let bytes = text.as_bytes();
    let mut found = Spaces::None;
    for (at, &byte) in bytes.iter().enumerate() {
        // Most bytes are letters, digits, or inside kana and kanji: told
        // apart from the rest by two comparisons.
        if (b'!'..0xc2).contains(&byte) {
            continue;
        }
        match byte {
            b' ' => found = Spaces::Ascii,
            b'\t'..=b'\r' => return Spaces::Others,
            // U+3000, the ideographic space; the rest is kana and CJK marks.
            0xe3 if bytes[at + 1..].starts_with(&[0x80, 0x80]) => return Spaces::Others,
            // U+0085, U+00A0, U+1680, U+2000 to U+205F.
            0xc2 | 0xe1 | 0xe2 if text[at..].starts_with(is_space) => return Spaces::Others,
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_is_found_after_any_other_text() {
        // A character of each kind of bytes, and kana and kanji of each
        // range `is_japanese` takes.
        let pieces = [
            "a", " ", "é", "“", "、", "（", "ー", "あ", "ア", "ｱ", "々", "語", "𠀋", "\u{31F0}",
            "豈", "①", "😀",
        ];
        for text in crate::random_text::texts(&pieces, 5, 3, 20_000) {
            assert_eq!(has_japanese(&text), text.contains(is_japanese), "{text:?}");
        }
    }

    #[test]
    fn the_first_spaced_word_is_the_first_a_search_for_each_finds() {
        // As first written: each word searched for, the first kept.
        let by_each = |text: &str, words: &[&'static str]| {
            words
                .iter()
                .filter_map(|w| text.find(w).map(|at| (at, *w)))
                .min()
        };
        let lists: [&[&str]; 4] = [
            &[" is a ", " is an ", " is the "],
            &[" at ", " in ", " on ", " in the ", " i"],
            &[
                " is called ",
                " are called ",
                " is known as ",
                " is termed ",
            ],
            &[" is ", " are "],
        ];
        let pieces = [
            " ", "  ", "is", "are", "a", "an", "the", "called", "known", "as", "termed", "in",
            "at", "on", "i", "x", "語", "é", ",",
        ];
        for text in crate::random_text::texts(&pieces, 12, 13, 20_000) {
            for words in lists {
                assert_eq!(
                    first_spaced_word(&text, words),
                    by_each(&text, words),
                    "{text:?} {words:?}"
                );
            }
        }
    }

    #[test]
    fn a_connective_is_the_word_before_the_first_comma() {
        // As first written: each connective tried in turn.
        let by_each = |text: &str| {
            let trimmed = text.trim_start_matches(is_space);
            CONNECTIVES
                .iter()
                .find_map(|c| trimmed.strip_prefix(*c)?.strip_prefix(['、', ',']))
                .map_or(text.len() - trimmed.len(), |rest| {
                    text.len() - rest.trim_start_matches(is_space).len()
                })
        };
        let alphabet = [
            "また",
            "さらに",
            "最後に",
            "ただし",
            "一方",
            "、",
            ",",
            " ",
            "\u{3000}",
            "は",
            "a",
            "語",
        ];
        for text in crate::random_text::texts(&alphabet, 8, 9, 20_000) {
            assert_eq!(after_connective(&text), by_each(&text), "{text:?}");
        }
    }

    #[test]
    fn sentence_marks_are_found_by_their_bytes() {
        for c in ('\0'..='\u{3100}')
            .chain('\u{ff00}'..='\u{ff20}')
            .chain(['\u{1f600}'])
        {
            for text in [format!("{c}"), format!("語{c}語"), format!("a{c}")] {
                let by_chars = text.contains(['。', '！', '？', '!', '?', '\n']);
                assert_eq!(has_sentence_mark(&text), by_chars, "{c:?}");
            }
        }
    }

    #[test]
    fn spaces_are_found_by_their_bytes() {
        for c in ('\0'..='\u{3100}').chain(['\u{feff}', '\u{ff1a}', '\u{1f600}']) {
            for text in [format!("{c}"), format!("語{c}語"), format!("a{c}")] {
                let found = spaces(&text);
                assert_eq!(found != Spaces::None, text.contains(is_space), "{c:?}");
                let others = text.contains(|c: char| is_space(c) && c != ' ');
                assert_eq!(found == Spaces::Others, others, "{c:?}");
            }
        }
        assert_eq!(clean_front("用語："), "用語");
        assert_eq!(clean_front("\"root account\""), "root account");
        assert_eq!(clean_front("「冗長化」:"), "冗長化");
        assert_eq!(clean_front("\"Hello\" World"), "\"Hello\" World");
        assert_eq!(clean_front("「A」と「B」"), "「A」と「B」");
        assert_eq!(
            clean_front(" Amazon\u{3000} S3 （ 標準 ）:"),
            "Amazon S3 （標準）"
        );
    }

    #[test]
    fn fronts_spaced_as_collapsed_are_kept_as_they_are() {
        let alphabet = [
            " ", "  ", "\u{3000}", "\t", "語", "a", "(", ")", "（", "）", "「", ":", "：",
        ];
        for text in crate::random_text::texts(&alphabet, 8, 5, 20_000) {
            let collapsed = if spaces(&text) == Spaces::None {
                text.trim_end_matches([':', '：']).to_string()
            } else {
                collapse_spaces(&text)
            };
            assert_eq!(clean_front(&text), collapsed, "{text:?}");
        }
    }

    #[test]
    fn every_label_leads_a_head_as_the_longest_it_starts_with() {
        for label in LABELS {
            let text = format!("{label}: 説明");
            let longest = LABELS
                .iter()
                .filter(|other| text.starts_with(**other))
                .max_by_key(|other| other.len());
            let leads = longest.filter(|l| text[l.len()..].trim_start().starts_with(':'));
            assert_eq!(leading_label(&text), leads.copied(), "{text}");
        }
    }

    #[test]
    fn no_label_is_ruled_out_before_folding() {
        for word in LABELS.iter().chain(LABEL_QUALIFIERS) {
            let full_width: String = word
                .chars()
                .map(|c| match c {
                    '!'..='~' => char::from_u32(c as u32 + 0xfee0).expect("full width"),
                    c => c,
                })
                .collect();
            for text in [
                word.to_string(),
                word.to_uppercase(),
                full_width,
                format!("{word}: 説明"),
                format!("*{word}"),
                format!("※{word}"),
            ] {
                assert!(may_start_label(&text), "{text}");
            }
        }
        assert!(!may_start_label("Amazon Inspector"));
        assert!(!may_start_label("用語: 定義"));
    }

    #[test]
    fn labels_alone_or_numbered() {
        assert!(is_label("ステップ 3"));
        assert!(is_label("シナリオ１"));
        assert!(is_label("※補足"));
        assert!(is_label("Note"));
        assert!(is_label("Example"));
        assert!(is_label("Exam Tips:"));
        assert!(is_label("Keywords"));
        assert!(is_label("ＮＯＴＥ"));
        assert!(is_label("■注意"));
        assert!(!is_label("Exam Blueprint"));
        assert!(!is_label("Services"));
        // `問題の` narrows a label as `試験の` does: the case's scenario.
        assert!(is_label("問題のシナリオ"));
        assert!(!is_label("セキュリティインシデントと対策"));
        assert_eq!(
            leading_label("エラー内容：AWS CloudFormation で"),
            Some("エラー内容")
        );
        assert_eq!(leading_label("原因：スタック作成に"), Some("原因"));
        assert_eq!(
            leading_label("シナリオ 2: テンプレートに"),
            Some("シナリオ")
        );
        assert_eq!(leading_label("例えば以下のような構成で使われます。"), None);
        assert_eq!(leading_label("インシデント: 過負荷"), None);
        // Labels are found as folded: in capitals, full width, after a mark.
        assert_eq!(leading_label("NOTE: 説明"), Some("note"));
        assert_eq!(leading_label("ＮＯＴＥ：説明"), Some("note"));
        assert_eq!(leading_label("※補足：説明"), Some("補足"));
        assert_eq!(leading_label("ｼﾅﾘｵ 2: テンプレート"), Some("シナリオ"));
    }

    #[test]
    fn sentences_end_like_predicates() {
        assert!(is_sentence_like(
            "EC2 インスタンスに CodeDeploy エージェントをインストールする必要がある。"
        ));
        assert!(is_sentence_like("以下の方法で通信を確立できます"));
        assert!(is_sentence_like(
            "AWS Organizations で信頼されたアクセスを有効にする"
        ));
        assert!(!is_sentence_like("セキュリティインシデントと対策"));
        assert!(!is_sentence_like(
            "AWS CloudFormation のエラー「X」を解決するには"
        ));
        assert!(!is_sentence_like("41."));
    }

    #[test]
    fn questions_and_exam_instructions() {
        assert!(is_question("どの手順を実行する必要がありますか？"));
        assert!(is_question("設定項目を選択してください。"));
        assert!(is_question("What is a DLQ?"));
        assert!(!is_question("AWS Control Tower でのデプロイ"));
    }

    #[test]
    fn terms_marked_by_a_separator() {
        assert!(is_term("Permissions Boundary"));
        assert!(is_term("ターゲットグループのヘルスチェックを設定する"));
        assert!(is_term("大企業が買収した小企業の AWS アカウントを、自社の AWS Organizations と AWS Control Tower 環境に統合する方法"));
        assert!(is_term("フォールトトレランスと"));
        assert!(!is_term("ステップ 1"));
        assert!(!is_term(
            "ELB には、以下の 2 つの IP アドレスタイプがあります"
        ));
        assert!(!is_term(
            "AWS Systems Manager は、以下の方法で通信を確立できます"
        ));
        assert!(!is_term("以下が提供されます。例えば"));
        assert!(!is_term("S3 に"));
    }

    #[test]
    fn a_subject_placed_by_a_particle() {
        assert!(has_placed_subject(
            "ELB には、以下の 2 つの IP アドレスタイプがあります"
        ));
        assert!(has_placed_subject("AWS では、次の 3 つを選べます"));
        assert!(!has_placed_subject("ELB は、負荷を分散します"));
        assert!(!has_placed_subject("ここでは、次の手順で設定します"));
        assert!(!has_placed_subject("ELB には以下の 2 つがあります"));
    }

    fn subject(text: &str) -> Option<&str> {
        definition_subject(text).map(|(r, _)| &text[r])
    }

    #[test]
    fn definition_sentences_name_their_subject() {
        assert_eq!(
            subject("DynamoDB Streams は、データベース内の変更を"),
            Some("DynamoDB Streams")
        );
        assert_eq!(
            subject("ホストヘッダーは、HTTP リクエストの一部で"),
            Some("ホストヘッダー")
        );
        assert_eq!(
            subject("ヒューリスティックとは経験則のこと"),
            Some("ヒューリスティック")
        );
        assert_eq!(
            subject("同様に、https_proxy は、https プロトコル"),
            Some("https_proxy")
        );
        let text = "CNAME レコードは、ルートドメイン名には使用できません。";
        let (_, rest) = definition_subject(text).unwrap();
        assert_eq!(&text[rest..], "ルートドメイン名には使用できません。");
    }

    #[test]
    fn clauses_actors_and_hiragana_endings_define_nothing() {
        assert_eq!(subject("常に正しいとは限らない"), None);
        assert_eq!(subject("ELB には、以下の 2 つの"), None);
        assert_eq!(
            subject("AWS Control Tower を有効化した AWS アカウントは、"),
            None
        );
        assert_eq!(subject("S3に保存されたデータは、複数のAZ"), None);
        assert_eq!(subject("DevOps エンジニアは、クロスリージョン"), None);
        assert_eq!(subject("DevOps チームは、既存の"), None);
        assert_eq!(subject("EMR は Hadoop クラスタの構築"), None);
        assert_eq!(subject("S3では、静的なコンテンツに限って"), None);
        assert_eq!(subject("認証が成功したら、アプリケーションは、"), None);
    }

    #[test]
    fn every_naming_marker_starts_with_to() {
        // `term_last` looks for the markers only where a `と` is.
        assert!(NAMING_MARKERS.iter().all(|m| m.starts_with('と')));
    }

    #[test]
    fn filing_headings() {
        for h in [
            "41.",
            "01-10",
            "Q3",
            "03.",
            "目次",
            "2023-05-13",
            "第2章",
            "Q&A",
            "H28S P19",
            "R1F 問5",
            "第3問",
            "Q12",
            "2024年5月1日",
        ] {
            assert!(is_filing_heading(h), "{h}");
        }
        for h in [
            "EBS",
            "バースト性能",
            "S3の構成要素",
            "IPv4",
            "S3",
            "EC2",
            "EC2 と S3",
        ] {
            assert!(!is_filing_heading(h), "{h}");
        }
    }

    #[test]
    fn fronts_are_cleaned() {
        assert_eq!(
            clean_front("Amazon SNS デッドレターキュー (DLQ)(Redrive ポリシー )"),
            "Amazon SNS デッドレターキュー (DLQ)(Redrive ポリシー)"
        );
        assert_eq!(
            clean_front("  AWS  Config\u{3000}ルール ："),
            "AWS Config ルール"
        );
        assert_eq!(
            clean_front("AWS Control Tower のカスタマイズ (CfCT )"),
            "AWS Control Tower のカスタマイズ (CfCT)"
        );
    }
}
