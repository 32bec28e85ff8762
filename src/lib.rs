//! notedeck turns Markdown study notes, Japanese first, into Anki flashcards.
//!
//! The pipeline, one module a stage:
//! `scan` (which notes exist, their front matter) → `outline` (Markdown →
//! tree) → `extract` (tree → cards) → `config` (decks and note types from
//! `notedeck.toml` and front matter; `cloze` for gaps) → `index` (SQLite)
//! → `export` (.apkg, .csv), `sync`, `preview` and `search`; `watch`
//! builds again after each save.
//! `explain` shows an author what became of each line of a note, from
//! `trace`: what `extract` decided for each part, recorded only then;
//! `exclude` is the notes `notedeck.toml` keeps unread.
//! `japanese` holds the text handling they share; `limits` how large each
//! field of a card may grow; `files` how a file of a folder notedeck does
//! not trust (notes, an output folder) is opened and read; `test_env` the
//! switches only the tests set, read from the environment alone.

pub mod build;
pub mod card;
pub mod cloze;
pub mod commands;
pub mod config;
pub mod exclude;
pub mod explain;
pub mod export;
pub mod extract;
pub mod files;
pub mod freshness;
pub mod furigana;
pub mod highlight;
pub mod identity;
pub mod index;
pub mod japanese;
pub mod limits;
pub mod outline;
pub mod output;
pub mod preview;
pub mod render;
pub mod scan;
pub mod search;
pub mod sync;
pub mod test_env;
pub mod trace;
pub mod watch;
