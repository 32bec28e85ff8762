//! The author's own separators and labels (`[extract]` of `notedeck.toml`),
//! added to the built-in ones while the notes of one folder are extracted.
//!
//! They are asked for by `separator::find` and `phrase::is_label`, which
//! every rule and the outline call from everywhere; rather than pass them
//! through each call, the extraction of a note installs them for its
//! thread (`with_words`). Without any installed (the common case), both
//! checks cost one load of a counter.

use std::cell::RefCell;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::folded;
use super::script::{is_close_bracket, is_open_bracket, is_space};

/// The author's words, as `notedeck.toml` writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorWords {
    /// Matched as written, spaces included (`" ... "`).
    separators: Vec<String>,
    /// Folded, as labels are compared.
    labels: Vec<String>,
    /// The longest label's bytes: longer text is none, and is not folded.
    longest_label: usize,
}

impl AuthorWords {
    pub fn new(separators: Vec<String>, labels: Vec<String>) -> AuthorWords {
        let labels: Vec<String> = labels
            .iter()
            .map(|label| folded(label.trim_matches(is_space)).into_owned())
            .collect();
        // Folding may make a label shorter than as written (`ＤＬＱ`): the
        // text is measured before folding, so allow for what folding saves.
        let longest_label = labels.iter().map(|l| 3 * l.len()).max().unwrap_or(0);
        AuthorWords {
            separators,
            labels,
            longest_label,
        }
    }
}

/// How many threads have words installed: while none has, no thread looks
/// at its own.
static INSTALLED: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static WORDS: RefCell<Option<Arc<AuthorWords>>> = const { RefCell::new(None) };
}

/// Runs `extract` with `words` installed for this thread.
pub fn with_words<T>(words: &Arc<AuthorWords>, extract: impl FnOnce() -> T) -> T {
    struct Installed(Option<Arc<AuthorWords>>);
    impl Drop for Installed {
        fn drop(&mut self) {
            WORDS.with_borrow_mut(|words| *words = self.0.take());
            INSTALLED.fetch_sub(1, Ordering::Relaxed);
        }
    }
    INSTALLED.fetch_add(1, Ordering::Relaxed);
    let before = WORDS.with_borrow_mut(|installed| installed.replace(Arc::clone(words)));
    // Put back whatever was there, even when `extract` panics.
    let _restore = Installed(before);
    extract()
}

/// `f` of this thread's words, if it has some.
fn installed<T>(f: impl FnOnce(&AuthorWords) -> Option<T>) -> Option<T> {
    if INSTALLED.load(Ordering::Relaxed) == 0 {
        return None;
    }
    WORDS.with_borrow(|words| words.as_deref().and_then(f))
}

/// Whether `text` is one of the author's labels: alone, numbered or with
/// a colon after it (`出典`, `出典 2`, `出典:`), as built-in labels are.
pub fn is_label(text: &str) -> bool {
    installed(|words| {
        let word = text
            .trim_matches(is_space)
            .trim_end_matches(|c: char| c.is_ascii_digit() || is_space(c) || c == ':' || c == '：');
        if word.len() > words.longest_label {
            return None;
        }
        let word = folded(word);
        words
            .labels
            .iter()
            .any(|label| *label == word)
            .then_some(())
    })
    .is_some()
}

/// The earlier of `built_in` (the separator the built-in rules found in
/// `text`) and the first of the author's separators that has a term before
/// it and is outside brackets, with the spaces around it.
pub fn first_separator(text: &str, built_in: Option<Range<usize>>) -> Option<Range<usize>> {
    let own = installed(|words| {
        words
            .separators
            .iter()
            .filter_map(|separator| first_outside_brackets(text, separator))
            .min_by_key(|found| found.start)
    });
    match (built_in, own) {
        (Some(built_in), Some(own)) if own.start < built_in.start => Some(own),
        (None, Some(own)) => Some(own),
        (built_in, _) => built_in,
    }
}

/// The first `separator` in `text` with a term before it and no bracket
/// open, with the spaces around it. The brackets are counted once along
/// the text, not again from its start at each occurrence.
fn first_outside_brackets(text: &str, separator: &str) -> Option<Range<usize>> {
    let mut depth = 0usize;
    let mut counted = 0;
    for (at, _) in text.match_indices(separator) {
        for c in text[counted..at].chars() {
            if is_open_bracket(c) {
                depth += 1;
            } else if is_close_bracket(c) {
                depth = depth.saturating_sub(1);
            }
        }
        counted = at;
        let before = &text[..at];
        if depth == 0 && !before.trim_matches(is_space).is_empty() {
            let start = before.trim_end_matches(is_space).len();
            let after = &text[at + separator.len()..];
            let end = text.len() - after.trim_start_matches(is_space).len();
            return Some(start..end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_count_only_while_installed_and_on_their_thread() {
        let words = Arc::new(AuthorWords::new(vec![" ... ".into()], vec!["出典".into()]));
        assert!(!is_label("出典"));
        with_words(&words, || {
            assert!(is_label("出典"));
            assert!(is_label("出典 2:"));
            assert!(!is_label("出典の話"));
            assert_eq!(first_separator("語 ... 意味", None), Some(3..8));
            assert_eq!(first_separator("(a ... b) 語", None), None);
            assert_eq!(first_separator("語: 意味 ... x", Some(3..5)), Some(3..5));
            std::thread::spawn(|| assert!(!is_label("出典")))
                .join()
                .unwrap();
        });
        assert!(!is_label("出典"));
        assert_eq!(first_separator("語 ... 意味", None), None);
    }
}
