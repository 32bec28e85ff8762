//! notedeck's output judged by Anki's own library (tests/anki/check.py).
//!
//! Every test runs the built `notedeck` binary (`build`, and `extract` for the
//! cards it should have exported) on a notes folder, then imports what it
//! wrote into real collections and reads them back. Without NOTEDECK_PYTHON
//! (or NOTEDECK_REQUIRE_ANKI=1) at build time they are ignored, and the test
//! runner counts them so (see `build.rs` at the crate root).

#[path = "../common/ankiconnect.rs"]
mod ankiconnect;
#[path = "../common/browser.rs"]
mod browser;
mod common;
mod csv;
mod images;
#[cfg(unix)]
mod incremental;
mod learner;
mod notetypes;
mod packages;
mod regenerate;
#[path = "../common/mod.rs"]
mod shared;
mod sync;
mod sync_retype;
