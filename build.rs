//! Sets the cfgs that turn on the tests needing tools outside Rust:
//! `anki_roundtrip` when Anki's Python library is there (NOTEDECK_PYTHON
//! names that Python), and `anki_connect` when an AnkiConnect server is
//! there too (NOTEDECK_ANKICONNECT names its `anki-connect-server` program),
//! and `browser` when headless Chromium is there (NOTEDECK_CHROMIUM names
//! it). NOTEDECK_REQUIRE_ANKI=1 (CI) sets them all: a missing tool then fails the
//! tests. Without them those tests are compiled as ignored, so `cargo test`
//! counts them as ignored rather than passed. A test marks itself with
//!
//! ```ignore
//! #[cfg_attr(not(anki_roundtrip), ignore = "needs Anki's Python library: set NOTEDECK_PYTHON")]
//! ```
//!
//! Changing any of these variables rebuilds the crate, so the counts always
//! follow the environment of the `cargo test` that runs them.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(anki_roundtrip)");
    println!("cargo::rustc-check-cfg=cfg(anki_connect)");
    println!("cargo::rustc-check-cfg=cfg(browser)");
    println!("cargo::rerun-if-env-changed=NOTEDECK_CHROMIUM");
    println!("cargo::rerun-if-env-changed=NOTEDECK_PYTHON");
    println!("cargo::rerun-if-env-changed=NOTEDECK_ANKICONNECT");
    println!("cargo::rerun-if-env-changed=NOTEDECK_REQUIRE_ANKI");
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    let required = std::env::var("NOTEDECK_REQUIRE_ANKI").as_deref() == Ok("1");
    if set("NOTEDECK_PYTHON") || required {
        println!("cargo::rustc-cfg=anki_roundtrip");
    }
    // The tests that open pages in headless Chromium (NOTEDECK_CHROMIUM
    // names its program).
    if set("NOTEDECK_CHROMIUM") || required {
        println!("cargo::rustc-cfg=browser");
    }
    // The sync tests also need Anki's library, to read the collection.
    if (set("NOTEDECK_ANKICONNECT") && set("NOTEDECK_PYTHON")) || required {
        println!("cargo::rustc-cfg=anki_connect");
    }
}
