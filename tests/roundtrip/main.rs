//! notedeck's output judged by Anki's own library (tests/anki/check.py).
//!
//! Every test runs the built `notedeck` binary (`build`, and `extract` for the
//! cards it should have exported) on a notes folder, then imports what it
//! wrote into real collections and reads them back. One test binary, so that
//! without the library `cargo test` says once that these tests are skipped.

mod common;
mod csv;
mod images;
mod packages;
mod regenerate;
#[path = "../common/mod.rs"]
mod shared;
