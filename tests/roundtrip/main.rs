//! notedeck's output judged by Anki's own library (tests/anki/check.py).
//!
//! One test binary, so that without the library `cargo test` says once that
//! these tests are skipped. `library` drives `write_deck` directly; `cli`
//! drives the `notedeck build` command.

mod cli;
mod common;
mod library;
