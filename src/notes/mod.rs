//! The notes folder: which notes it holds and how each is read (`scan`: the
//! walk, a note's text in UTF-8 or UTF-16, and its front matter, read as
//! YAML by `front_matter`), what its `notedeck.toml` asks of
//! them (`config`: the output folder, decks and note types, the author's
//! own words), which notes it keeps unread (`exclude`), and the options a
//! note or a folder sets (`options`). Every command stands on it; it knows
//! nothing of extraction, the index or the outputs.

pub mod config;
pub mod exclude;
pub mod front_matter;
pub mod options;
pub mod scan;
