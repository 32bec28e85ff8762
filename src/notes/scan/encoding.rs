//! Notes that are not UTF-8.
//!
//! UTF-16 with its byte-order mark (what Windows Notepad saves as
//! "Unicode") says what it is: it is decoded, and gives the very text, and
//! so the very cards and GUIDs, of the same note in UTF-8. Any other
//! encoding is only a guess (Shift_JIS and EUC-JP share most of their
//! bytes with each other and with Latin and Chinese encodings), and a wrong
//! guess would make cards of mojibake that an import then spreads: such a
//! note is refused, naming the encoding it looks like and how to convert
//! it.

use std::path::Path;

use encoding_rs::{Encoding, EUC_JP, ISO_2022_JP, SHIFT_JIS, UTF_16BE, UTF_16LE};

/// The text of a note that begins with a UTF-16 byte-order mark, or the
/// encoding that mark names when the rest is no UTF-16; `None` without one.
pub fn utf16(bytes: &[u8]) -> Option<Result<String, &'static Encoding>> {
    let (encoding, bom) = Encoding::for_bom(bytes)?;
    if encoding != UTF_16LE && encoding != UTF_16BE {
        return None;
    }
    Some(
        encoding
            .decode_without_bom_handling_and_without_replacement(&bytes[bom..])
            .map(|text| text.into_owned())
            .ok_or(encoding),
    )
}

/// The encoding the bytes of a note that is no UTF-8 most look like, when
/// they are valid text in it.
pub fn guess(bytes: &[u8]) -> Option<&'static Encoding> {
    if let Some(utf16) = utf16_without_bom(bytes) {
        return Some(utf16);
    }
    use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Allow);
    detector.feed(bytes, true);
    // Japanese first: the `.jp` hint tips a close call to Shift_JIS or EUC-JP.
    let encoding = detector.guess(Some(b"jp"), Utf8Detection::Deny);
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .is_some()
        .then_some(encoding)
}

/// UTF-16 without a byte-order mark, told by its NUL bytes: the high byte of
/// every ASCII character (Markdown's marks, spaces and line ends), all on
/// one side of each pair.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096) & !1];
    let nul_at = |parity: usize| {
        head.iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (nul_at(0), nul_at(1));
    let pairs = head.len() / 2;
    let mostly = |n: usize| pairs > 0 && n * 5 >= pairs;
    match (even, odd) {
        (0, odd) if mostly(odd) => Some(UTF_16LE),
        (even, 0) if mostly(even) => Some(UTF_16BE),
        _ => None,
    }
}

/// `; it looks like Shift_JIS: convert it with …`, or nothing when the
/// encoding is not known.
pub fn advice(looks_like: Option<&'static Encoding>, path: &Path) -> String {
    let Some(encoding) = looks_like else {
        return String::new();
    };
    let file = shell_word(&path.display().to_string());
    // encoding_rs's Shift_JIS is Windows' (code page 932), as iconv names it.
    let iconv_name = if encoding == SHIFT_JIS {
        "CP932"
    } else {
        encoding.name()
    };
    let nkf = if [SHIFT_JIS, EUC_JP, ISO_2022_JP].contains(&encoding) {
        format!("`nkf -w --overwrite {file}` or ")
    } else {
        String::new()
    };
    format!(
        "; it looks like {}: convert it to UTF-8 with {nkf}`iconv -f {iconv_name} -t UTF-8 {file} > converted.md` (then put converted.md in its place)",
        encoding.name()
    )
}

/// `word` as one word of a POSIX shell.
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_alphanumeric() || "-_./,:@%+=".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTE: &str = "# 日本語の文法\n\n- 助詞: 名詞の後に付いて、その語と他の語との関係を示す語。\n- 動詞: 動作や存在を表す語で、活用する。\n";

    #[test]
    fn japanese_encodings_are_told_apart() {
        for encoding in [SHIFT_JIS, EUC_JP, ISO_2022_JP] {
            let (bytes, _, _) = encoding.encode(NOTE);
            assert_eq!(guess(&bytes), Some(encoding), "{}", encoding.name());
        }
        let utf16: Vec<u8> = NOTE.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(guess(&utf16), Some(UTF_16LE));
    }

    #[test]
    fn utf16_with_its_mark_is_decoded_and_a_broken_one_named() {
        let mut bytes = vec![0xFE, 0xFF];
        bytes.extend(NOTE.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(utf16(&bytes), Some(Ok(NOTE.to_string())));
        // A lone high surrogate.
        assert_eq!(utf16(&[0xFF, 0xFE, 0x00, 0xD8]), Some(Err(UTF_16LE)));
        assert_eq!(utf16(NOTE.as_bytes()), None);
        assert_eq!(utf16(b"\xEF\xBB\xBF- a: b"), None);
        // No text in any encoding: no guess.
        assert_eq!(guess(b"a\xff\xff\xff"), None);
    }

    #[test]
    fn the_advice_quotes_the_file_for_the_shell() {
        let advice = advice(Some(SHIFT_JIS), Path::new("notes/it's.md"));
        assert!(
            advice.contains(r"iconv -f CP932 -t UTF-8 'notes/it'\''s.md'"),
            "{advice}"
        );
        assert!(advice.contains("nkf -w --overwrite"), "{advice}");
        assert_eq!(super::advice(None, Path::new("a.md")), "");
    }
}
