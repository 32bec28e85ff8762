//! notedeck turns Markdown study notes, Japanese first, into Anki flashcards.
//!
//! The pipeline, one module a stage, each using only the stages and shared
//! pieces below it (`python3 ../shared/tools/modgraph.py src` shows the
//! arrows, and finds no cycle):
//!
//! 1. `notes`: the notes folder: which notes it holds (`notes::scan`, with
//!    their front matter), what its `notedeck.toml` asks (`notes::config`),
//!    what it keeps unread (`notes::exclude`).
//! 2. `outline` (Markdown → tree: its event builder, the author's skip
//!    marks, the shaping of sections and a reader's repairs, and the
//!    Markdown of nodes for backs, each a submodule) → `extract` (tree →
//!    cards: the walk and its placing of cards, the rules for an item, the
//!    blocks of a head, sentences, sections, tables, each a submodule;
//!    recording its decisions in a `trace` for `explain`; a note's settings
//!    and `cloze` applied in `extract::note_cards`), with `render` for a
//!    back's HTML and plain text (a fast path for plain lines, the parser's
//!    path bounded by its limits) and `identity` for the GUIDs that outlive
//!    renames and moves.
//! 3. `index`: the cards in SQLite, written by one build's `index::Writer`
//!    (its card store, settling of identities and search tokens each a
//!    submodule); `freshness`: whether the notes changed since the index's
//!    last build, told without walking them.
//! 4. `export` (.apkg, .csv), `search`, `explain`.
//! 5. `build`: notes → cards → index → outputs, a step a submodule (the
//!    notes read into the index, the outputs staged, the output folder's
//!    files, the report); `sync`, `preview` and `watch` (a build again
//!    after each save) stand on it.
//! 6. `commands`, `output` and `json`: the command line's commands and what
//!    they print; `main.rs` only parses the arguments.
//!
//! Shared pieces, below every stage: `japanese` (the Japanese text
//! handling, furigana's syntax included; it uses nothing of the crate),
//! `card`, `html` (escaping), `link` (what a link points at), `highlight`,
//! `limits` (how large what is read and made may grow), `files` (how a file
//! of a folder notedeck does not trust is opened and read) and `test_env`
//! (the switches only the tests set).

pub mod build;
pub mod card;
pub mod cloze;
pub mod commands;
pub mod explain;
pub mod export;
pub mod extract;
pub mod files;
pub mod freshness;
pub mod highlight;
pub mod html;
pub mod identity;
pub mod index;
pub mod japanese;
pub mod json;
pub mod limits;
pub mod link;
pub mod notes;
pub mod outline;
pub mod output;
pub mod preview;
#[cfg(test)]
mod random_text;
pub mod render;
pub mod search;
pub mod sync;
pub mod test_env;
pub mod trace;
pub mod watch;
