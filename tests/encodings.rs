//! Notes that are not UTF-8, through the binary: UTF-16 with its
//! byte-order mark is read, into the very cards (and GUIDs) of the same
//! note in UTF-8; Shift_JIS or EUC-JP is refused, named, with how to
//! convert it, and the other notes are built.

mod common;

use common::Project;

const NOTE: &str = "# 日本語の文法\n\n- 助詞: 名詞の後に付いて、その語と他の語との関係を示す語。\n- 動詞: 動作や存在を表す語で、活用する。\n";

fn utf16(big_endian: bool) -> Vec<u8> {
    let mut bytes = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in NOTE.encode_utf16() {
        bytes.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    bytes
}

#[test]
fn a_utf16_note_with_its_mark_makes_the_cards_of_its_utf8_twin() {
    let built = |bytes: Vec<u8>| {
        let project = Project::empty();
        project.write_note("文法.md", bytes);
        let summary = project.run(&["build"]).ok();
        assert!(summary.contains("2 cards (2 new"), "{summary}");
        let cards = project.run(&["extract", "notes", "--format", "jsonl"]).ok();
        (project.guids(), cards)
    };
    let utf8 = built(NOTE.as_bytes().to_vec());
    assert_eq!(built(utf16(false)), utf8);
    assert_eq!(built(utf16(true)), utf8);
}

#[test]
fn a_shift_jis_or_euc_jp_note_is_named_with_how_to_convert_it() {
    let project = Project::empty();
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(NOTE);
    let (euc, _, _) = encoding_rs::EUC_JP.encode(NOTE);
    project.write_note("sjis.md", sjis);
    project.write_note("euc.md", euc);
    project.write_note("good.md", "- 別: 説明\n");
    let run = project.run(&["build"]);
    assert_eq!(run.code(), 2);
    let stderr = run.stderr();
    assert!(
        stderr.contains("sjis.md:1: not UTF-8 text (invalid byte at column 3); it looks like Shift_JIS: convert it to UTF-8 with `nkf -w --overwrite notes/sjis.md` or `iconv -f CP932 -t UTF-8 notes/sjis.md > converted.md`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("it looks like EUC-JP: convert it to UTF-8 with `nkf -w --overwrite notes/euc.md` or `iconv -f EUC-JP -t UTF-8 notes/euc.md"),
        "{stderr}"
    );
    assert!(run.stdout().contains("1 card (1 new"), "{}", run.stdout());

    // Converted as the message says, it is built.
    project.write_note("sjis.md", NOTE);
    std::fs::remove_file(project.notes().join("euc.md")).unwrap();
    let summary = project.run(&["build"]).ok();
    assert!(summary.contains("3 cards (2 new"), "{summary}");
}
