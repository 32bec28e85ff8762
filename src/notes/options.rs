//! The options a note's front matter or a folder of `notedeck.toml` sets:
//! which cards its notes ask for.

use crate::card::NoteType;

/// Which cards a note asks for; unset: as the folder above says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoteOptions {
    /// A reversed card too (back → front).
    pub reverse: Option<bool>,
    /// The answer is typed in.
    pub type_in: Option<bool>,
}

impl NoteOptions {
    /// `self`, with what it leaves unset taken from `outer`.
    pub(super) fn or(self, outer: NoteOptions) -> NoteOptions {
        NoteOptions {
            reverse: self.reverse.or(outer.reverse),
            type_in: self.type_in.or(outer.type_in),
        }
    }

    /// The note type asked for; a cloze card's gaps win over it. Anki has
    /// no note type that is both reversed and typed in.
    pub fn note_type(self) -> NoteType {
        match (self.reverse, self.type_in) {
            (_, Some(true)) => NoteType::TypeIn,
            (Some(true), _) => NoteType::Reversed,
            _ => NoteType::Basic,
        }
    }

    /// Why these options cannot be used together, if they cannot.
    pub fn conflict(self) -> Option<&'static str> {
        (self.reverse == Some(true) && self.type_in == Some(true))
            .then_some("reverse and type_in cannot both be true (Anki has no such note type)")
    }
}
