//! The text of a head: its piece of one buffer that holds the texts of all
//! the heads of a note, one after another. A note has hundreds of heads,
//! most of them a line: one allocation for all their texts instead of one
//! for each (and one free).

use std::ops::Range;
use std::rc::Rc;

/// A head's text, read as a `str` once the heads of its note are read
/// (`seal`). While they are read, only its length is known.
#[derive(Clone, Default)]
pub struct HeadText {
    /// The texts of the note's heads; `None` until sealed.
    buffer: Option<Rc<String>>,
    /// Where this text is in the buffer.
    range: Range<usize>,
}

impl HeadText {
    pub fn as_str(&self) -> &str {
        match &self.buffer {
            Some(buffer) => &buffer[self.range.clone()],
            None => {
                debug_assert!(self.range.is_empty(), "a head's text read before its seal");
                ""
            }
        }
    }

    /// The text's length in bytes, sealed or not.
    pub fn len(&self) -> usize {
        self.range.len()
    }

    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    /// Appends `text` in `buffer`, where the head's text is being written.
    /// Heads are read one after another: should another head's text have
    /// been written after this one's, this one moves to the end first.
    pub(super) fn push_str(&mut self, buffer: &mut String, text: &str) {
        debug_assert!(self.buffer.is_none(), "a sealed head's text written to");
        if self.range.is_empty() {
            self.range = buffer.len()..buffer.len();
        } else if self.range.end != buffer.len() {
            let start = buffer.len();
            buffer.extend_from_within(self.range.clone());
            self.range = start..buffer.len();
        }
        buffer.push_str(text);
        self.range.end = buffer.len();
    }

    /// The text as written in `buffer`, now complete.
    pub(super) fn seal(&mut self, buffer: &Rc<String>) {
        self.buffer = Some(Rc::clone(buffer));
    }
}

impl std::ops::Deref for HeadText {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for HeadText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}
