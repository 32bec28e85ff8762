//! Headless Chromium, driven from the command line (no WebDriver): a page
//! is loaded, its scripts run for a moment of virtual time, then the DOM is
//! printed or a screenshot taken. NOTEDECK_CHROMIUM names the program
//! (`chromium` when unset); tests that call this are compiled as ignored
//! unless the build asked for them (cfg `browser`, see `build.rs`).

use std::path::Path;
use std::process::Command;

fn chromium(args: &[String], url: &str) -> std::process::Output {
    let program = std::env::var("NOTEDECK_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    // A profile of its own: runs in parallel never share one.
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(&program)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .output()
        .unwrap_or_else(|err| panic!("cannot run {program}: {err} (set NOTEDECK_CHROMIUM)"));
    assert!(
        output.status.success(),
        "{program} failed on {url}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The `file://` URL of `path`, with `fragment` (after `#`) when not empty.
pub fn file_url(path: &Path, fragment: &str) -> String {
    let mut url = format!("file://{}", path.display());
    if !fragment.is_empty() {
        url.push('#');
        url.push_str(fragment);
    }
    url
}

/// The DOM of the page at `url` once its scripts ran.
pub fn dom(url: &str) -> String {
    String::from_utf8(chromium(&["--dump-dom".into()], url).stdout).unwrap()
}

/// A PNG screenshot of the page at `url`, `width`×`height`, into `png`.
pub fn screenshot(url: &str, png: &Path, width: u32, height: u32) {
    chromium(
        &[
            format!("--screenshot={}", png.display()),
            format!("--window-size={width},{height}"),
        ],
        url,
    );
    let bytes = std::fs::read(png).expect("the screenshot was written");
    assert!(bytes.starts_with(b"\x89PNG"), "{} is a PNG", png.display());
}

/// The value of attribute `name` on the first element whose tag contains
/// `marker` (as the DOM prints it).
pub fn attribute(dom: &str, marker: &str, name: &str) -> Option<String> {
    let at = dom.find(marker)?;
    let start = dom[..at + 1].rfind('<')?;
    let tag = &dom[start..start + dom[start..].find('>')?];
    let key = format!(" {name}=\"");
    let value = &tag[tag.find(&key)? + key.len()..];
    Some(value[..value.find('"')?].to_string())
}
