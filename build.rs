//! Sets the cfg `anki_roundtrip` when the tests that need Anki's Python
//! library are asked for: NOTEDECK_PYTHON names that Python, or
//! NOTEDECK_REQUIRE_ANKI=1 (CI) requires it. Without it those tests are
//! compiled as ignored, so `cargo test` counts them as ignored rather than
//! passed. A test file that needs the library marks each such test with
//!
//! ```ignore
//! #[cfg_attr(not(anki_roundtrip), ignore = "needs Anki's Python library: set NOTEDECK_PYTHON")]
//! ```
//!
//! Changing either variable rebuilds the crate, so the counts always follow
//! the environment of the `cargo test` that runs them.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(anki_roundtrip)");
    println!("cargo::rerun-if-env-changed=NOTEDECK_PYTHON");
    println!("cargo::rerun-if-env-changed=NOTEDECK_REQUIRE_ANKI");
    let python = std::env::var_os("NOTEDECK_PYTHON").is_some_and(|p| !p.is_empty());
    let required = std::env::var("NOTEDECK_REQUIRE_ANKI").as_deref() == Ok("1");
    if python || required {
        println!("cargo::rustc-cfg=anki_roundtrip");
    }
}
