//! The levels every card carries from above it: its context and tags.

use std::sync::Arc;

/// A stack of levels (headings, fronts, tags) that every card under them
/// carries: the list of each depth is made once, when a card first needs
/// it, and shared by the cards made there.
pub(super) struct Levels {
    parts: Vec<String>,
    /// For each depth from 0 to `parts.len()`, its list once made.
    shared: Vec<Option<Arc<[String]>>>,
}

impl Default for Levels {
    fn default() -> Self {
        Levels {
            parts: Vec::new(),
            shared: vec![None],
        }
    }
}

impl Levels {
    pub(super) fn push(&mut self, part: String) {
        self.parts.push(part);
        self.shared.push(None);
    }

    pub(super) fn pop(&mut self) {
        self.parts.pop();
        self.shared.pop();
    }

    /// The levels as they stand, for a card.
    pub(super) fn shared(&mut self) -> Arc<[String]> {
        let parts = &self.parts;
        let current = self.shared.last_mut().expect("depth 0 is never popped");
        current
            .get_or_insert_with(|| parts.as_slice().into())
            .clone()
    }
}
