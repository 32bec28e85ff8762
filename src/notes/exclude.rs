//! `exclude` of `notedeck.toml`: globs of notes that are never read.
//!
//! A pattern is matched against a note's path relative to the notes root,
//! with `/` (`drafts/a.md`). One with a `/` is a path from the root
//! (`drafts/**`); one without names a file in any folder (`*.private.md`),
//! as in `.gitignore`. `*` never crosses a `/`; `**` does.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::japanese::compose_string;

/// The patterns of `exclude`, as written, and compiled.
#[derive(Debug, Clone, Default)]
pub struct Exclude {
    patterns: Vec<String>,
    set: GlobSet,
}

impl Exclude {
    /// The patterns, each with the byte offset in `notedeck.toml` where it
    /// is written: a pattern that is no glob is an error at its offset.
    pub fn new(patterns: &[toml::Spanned<String>]) -> Result<Exclude, (usize, String)> {
        let mut set = GlobSetBuilder::new();
        let mut written = Vec::with_capacity(patterns.len());
        for pattern in patterns {
            let bad = |why: String| (pattern.span().start, why);
            // Names as the notes' own are made (`scan::relative_name`).
            let text = compose_string(pattern.get_ref().clone());
            if text.trim().is_empty() || text.starts_with('/') {
                return Err(bad(format!(
                    "exclude = {text:?}: give a glob relative to the notes root, such as \"drafts/**\""
                )));
            }
            let anywhere = if text.contains('/') {
                text.clone()
            } else {
                format!("**/{text}")
            };
            let glob = GlobBuilder::new(&anywhere)
                .literal_separator(true)
                .build()
                .map_err(|err| bad(format!("exclude = {text:?} is no glob: {}", err.kind())))?;
            set.add(glob);
            written.push(text);
        }
        let set = set.build().map_err(|err| (0, format!("exclude: {err}")))?;
        Ok(Exclude {
            patterns: written,
            set,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The first pattern that matches the note `name`, if one does.
    pub fn matching(&self, name: &str) -> Option<&str> {
        if self.is_empty() {
            return None;
        }
        let first = self.set.matches(name).into_iter().min()?;
        Some(&self.patterns[first])
    }
}
