//! What a link or an image's source in a note points at: another host or
//! inline data (`is_url`), or a sound Anki plays (`is_sound`). Rendering a
//! back and packing its media both ask.

use std::path::Path;

/// `https:`, `data:`, `//host/…`: not a file of the notes. A one-letter
/// "scheme" is a Windows drive (`C:`), handled as an absolute path.
pub fn is_url(src: &str) -> bool {
    if src.starts_with("//") {
        return true;
    }
    match src.split_once(':') {
        Some((scheme, _)) => {
            scheme.len() > 1
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

/// A file Anki plays (`[sound:…]`) rather than shows: audio, and the video
/// it plays the same way.
pub fn is_sound(src: &str) -> bool {
    const EXTENSIONS: [&str; 11] = [
        "mp3", "m4a", "aac", "ogg", "oga", "opus", "wav", "flac", "spx", "webm", "mp4",
    ];
    let path = src.split(['?', '#']).next().unwrap_or_default();
    !is_url(path)
        && Path::new(path)
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths() {
        assert!(is_url("https://example.com/a.png"));
        assert!(is_url("data:image/png;base64,AAAA"));
        assert!(is_url("//cdn/x.png"));
        assert!(!is_url("img/a.png"));
        assert!(!is_url("C:/x.png"));
    }

    #[test]
    fn sounds_are_files_of_the_notes_anki_plays() {
        assert!(is_sound("x.MP3") && is_sound("音声.m4a") && !is_sound("x.png"));
        assert!(!is_sound("https://x/y.mp3"));
    }
}
