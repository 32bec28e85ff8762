//! What kind of picture a file holds, told by its first bytes: a remote
//! image is named and packed by what it is, never by what its URL or a
//! server says (`x.png` may be a script, a 200 page a login form).

/// How many first bytes `sniff` looks at: enough for an SVG's XML
/// declaration, comments and doctype before its `<svg`.
pub const SNIFF_LEN: usize = 1024;

/// The extension Anki knows the picture by, for the formats its card
/// viewer (Chromium) shows; None for anything else.
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 5] = [
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"\xff\xd8\xff", "jpg"),
        (b"GIF87a", "gif"),
        (b"GIF89a", "gif"),
        (b"\x00\x00\x01\x00", "ico"),
    ];
    if let Some((_, ext)) = MAGIC.iter().find(|(magic, _)| head.starts_with(magic)) {
        return Some(ext);
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some("webp");
    }
    // An ISO media file whose major brand is AVIF (a still or a sequence).
    if head.len() >= 12 && &head[4..8] == b"ftyp" && matches!(&head[8..12], b"avif" | b"avis") {
        return Some("avif");
    }
    if is_bmp(head) {
        return Some("bmp");
    }
    is_svg(head).then_some("svg")
}

/// `BM` alone starts many a text; the size of the header that follows
/// the file header is one of the few that exist.
fn is_bmp(head: &[u8]) -> bool {
    head.len() >= 18
        && head.starts_with(b"BM")
        && matches!(
            u32::from_le_bytes([head[14], head[15], head[16], head[17]]),
            12 | 40 | 52 | 56 | 64 | 108 | 124
        )
}

/// XML whose first element is `<svg`, after what may come before it.
fn is_svg(head: &[u8]) -> bool {
    let mut rest = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    loop {
        rest = rest.trim_ascii_start();
        let skipped = [(&b"<?"[..], &b"?>"[..]), (b"<!--", b"-->"), (b"<!", b">")]
            .into_iter()
            .find(|(open, _)| rest.starts_with(open))
            .and_then(|(open, close)| {
                let body = &rest[open.len()..];
                let end = body.windows(close.len()).position(|w| w == close)?;
                Some(&body[end + close.len()..])
            });
        match skipped {
            Some(after) => rest = after,
            None => break,
        }
    }
    rest.strip_prefix(b"<svg")
        .and_then(|after| after.first())
        .is_some_and(|&b| b.is_ascii_whitespace() || b == b'>')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_told_by_their_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("png"));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF"), Some("jpg"));
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), Some("gif"));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some("webp"));
        assert_eq!(sniff(b"\0\0\0\x1cftypavif\0\0\0\0"), Some("avif"));
        let mut bmp = b"BM\0\0\0\0\0\0\0\0\x36\0\0\0".to_vec();
        bmp.extend(40u32.to_le_bytes());
        assert_eq!(sniff(&bmp), Some("bmp"));
        assert_eq!(
            sniff(b"\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!-- made by hand -->\n<!DOCTYPE svg>\n<svg xmlns=\"http://www.w3.org/2000/svg\">"),
            Some("svg")
        );
    }

    #[test]
    fn anything_else_is_no_picture() {
        for bytes in [
            &b"#!/bin/sh\nrm -rf ~\n"[..],
            b"<html><body>sign in</body></html>",
            b"<svgfoo>",
            b"BMW is a car, not a bitmap",
            b"\0\0\0\x1cftypisom",
            b"-----BEGIN OPENSSH PRIVATE KEY-----",
            b"",
        ] {
            assert_eq!(sniff(bytes), None, "{:?}", String::from_utf8_lossy(bytes));
        }
    }
}
