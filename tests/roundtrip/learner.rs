//! What a learner's notes hold beyond text, as Anki itself shows it:
//! furigana in each syntax as ruby, math in MathJax delimiters, sounds and
//! Obsidian embeds in the collection's media, highlighted code.

use std::fs;
use std::path::Path;

use notedeck::card::Card;
use serde_json::Value;

use crate::browser;
use crate::common::*;

pub const LEARNER_NOTE: &str = "# 日本語\n\
    \n\
    - 漢字[かんじ]: 中国から来た文字。日本[にほん]で使う\n\
    - {東京|とうきょう}: 日本の首都\n\
    - 大阪: 西の<ruby>大阪<rt>おおさか</rt></ruby>は都市\n\
    - <ruby>勉強<rt>べんきょう</rt></ruby>: 学ぶこと\n\
    - arr[0]: 配列の最初\n\
    - 面積: 円は $\\pi r^2\\,\\mathrm{m}$ で $$E = mc^2$$\n\
    - 公式 $a[i]^2$: 添字の二乗\n\
    - 発音: [sound:audio/a.mp3] と ![発音](audio/b.mp3) と ![[c.mp3]] と ![[図.png]]\n\
    - コード: 例\n\
    \x20 ```python\n\
    \x20 def f(x):\n\
    \x20     return x < 2\n\
    \x20 ```\n";

/// A notes folder with `LEARNER_NOTE` and the files it embeds: two sounds
/// beside the note, one sound and one picture at the notes root (where
/// Obsidian finds `![[…]]`).
pub fn learner_notes(tmp: &Path) -> std::path::PathBuf {
    let notes = tmp.join("notes");
    fs::create_dir_all(notes.join("lang/audio")).unwrap();
    fs::write(notes.join("lang/日本語.md"), LEARNER_NOTE).unwrap();
    fs::write(notes.join("lang/audio/a.mp3"), b"ID3 a").unwrap();
    fs::write(notes.join("lang/audio/b.mp3"), b"ID3 b").unwrap();
    fs::write(notes.join("c.mp3"), b"ID3 c").unwrap();
    fs::write(notes.join("図.png"), b"\x89PNG picture").unwrap();
    notes
}

fn rendered(col: &Path, cards: &[Card], front: &str) -> Value {
    let card = cards
        .iter()
        .find(|c| c.front == front)
        .unwrap_or_else(|| panic!("no card {front}: {cards:#?}"));
    anki().run(&[&"render", &col, &card.guid])
}

fn side<'v>(rendered: &'v Value, side: &str) -> &'v str {
    rendered[side].as_str().unwrap()
}

/// Ruby for `漢字[かんじ]`, `{東京|とうきょう}` and `<ruby>` on the front
/// (through Anki's furigana filter) and for all three syntaxes on the back; `arr[0]` stays
/// text; `$…$` and `$$…$$` arrive as `\(…\)` and `\[…\]` with `\,` kept,
/// on the back and on the front;
/// `[sound:…]`, `![](x.mp3)` and `![[c.mp3]]` are sounds Anki plays, and
/// they and `![[図.png]]` are in the package and the collection's media.
#[test]
#[cfg_attr(
    not(anki_roundtrip),
    ignore = "needs Anki's Python library: set NOTEDECK_PYTHON"
)]
fn furigana_math_sounds_and_code_as_anki_renders_them() {
    let anki = anki();
    let tmp = tempfile::tempdir().unwrap();
    let notes = learner_notes(tmp.path());
    let cards = extracted(&notes);
    let out = tmp.path().join("out");
    let run = build(&notes, &out, "apkg");
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);

    let apkg = out.join("notes.apkg");
    let media = anki.run(&[&"schema", &apkg])["media"].clone();
    let mut packed: Vec<&str> = media
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_str().unwrap())
        .collect();
    packed.sort();
    assert_eq!(packed.len(), 4, "{media}");
    assert_eq!(packed.iter().filter(|n| n.ends_with(".mp3")).count(), 3);
    assert!(packed.iter().any(|n| n.ends_with(".png")), "{media}");

    let col = tmp.path().join("col.anki2");
    let logs = anki.import_apkg(&col, &[apkg]);
    assert_eq!(total(&logs, "new"), cards.len() as u64, "{logs:?}");

    let kanji = rendered(&col, &cards, "漢字[かんじ]");
    let question = side(&kanji, "question");
    assert!(
        question.contains("<ruby><rb>漢字</rb><rt>かんじ</rt></ruby>"),
        "{question}"
    );
    let answer = side(&kanji, "answer");
    assert!(
        answer.contains("日本<rp>(</rp><rt>にほん</rt><rp>)</rp></ruby>で使う"),
        "{answer}"
    );

    let tokyo = rendered(&col, &cards, "{東京|とうきょう}");
    assert!(
        side(&tokyo, "question").contains("<ruby><rb>東京</rb><rt>とうきょう</rt></ruby>"),
        "{tokyo}"
    );
    let osaka = rendered(&col, &cards, "大阪");
    assert!(
        side(&osaka, "answer").contains("西の<ruby>大阪<rt>おおさか</rt></ruby>は都市"),
        "{osaka}"
    );
    let study = rendered(&col, &cards, "<ruby>勉強<rt>べんきょう</rt></ruby>");
    assert!(
        side(&study, "question").contains("<ruby><rb>勉強</rb><rt>べんきょう</rt></ruby>"),
        "{study}"
    );
    let array = rendered(&col, &cards, "arr[0]");
    assert!(!side(&array, "question").contains("<ruby"), "{array}");

    let math = side(&rendered(&col, &cards, "面積"), "answer").to_string();
    assert!(math.contains(r"\(\pi r^2\,\mathrm{m}\)"), "{math}");
    assert!(math.contains(r"\[E = mc^2\]"), "{math}");
    // In a front too, where the brackets must not become furigana.
    let formula = side(&rendered(&col, &cards, "公式 $a[i]^2$"), "question").to_string();
    assert!(formula.contains(r"公式 \(a&#91;i&#93;^2\)"), "{formula}");
    assert!(!formula.contains("<ruby"), "{formula}");

    let sounds = rendered(&col, &cards, "発音");
    let media_dir = Path::new(sounds["media_dir"].as_str().unwrap());
    let played: Vec<&str> = sounds["answer_sounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(played.len(), 3, "{sounds}");
    let mut bytes: Vec<Vec<u8>> = played
        .iter()
        .map(|name| fs::read(media_dir.join(name)).unwrap())
        .collect();
    bytes.sort();
    assert_eq!(
        bytes,
        [b"ID3 a".to_vec(), b"ID3 b".to_vec(), b"ID3 c".to_vec()]
    );
    let answer = side(&sounds, "answer");
    let png = packed.iter().find(|n| n.ends_with(".png")).unwrap();
    assert!(answer.contains(&format!("src=\"{png}\"")), "{answer}");
    assert_eq!(fs::read(media_dir.join(png)).unwrap(), b"\x89PNG picture");

    let code = side(&rendered(&col, &cards, "コード"), "answer").to_string();
    assert!(
        code.contains("<code class=\"language-python\"><span class=\"nd-hl\"><span style=\""),
        "{code}"
    );
    assert!(code.contains("&lt;"), "{code}");
}

/// The page that shows one side of a card as Anki's reviewer does: its HTML
/// (which brings the note type's style) in a `.card`, night mode as Anki
/// sets it. Its script writes what the test reads into the body's data:
/// whether each reading sits above its base, the card's background, and
/// the filter on highlighted code.
fn card_page(html: &str, night: bool) -> String {
    let (body, card) = if night {
        ("night_mode", "card nightMode")
    } else {
        ("", "card")
    };
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>\
         <body class=\"{body}\"><div class=\"{card}\">{html}</div><script>\
         var card = document.querySelector('.card');\
         var rubies = Array.from(document.querySelectorAll('ruby'));\
         document.body.dataset.rubies = rubies.length;\
         document.body.dataset.above = rubies.every(function (r) {{\
           var rt = r.querySelector('rt').getBoundingClientRect();\
           var base = r.getBoundingClientRect();\
           return rt.height > 0 && rt.bottom <= base.top + base.height / 2;\
         }});\
         document.body.dataset.background = getComputedStyle(card).backgroundColor;\
         var code = document.querySelector('.nd-hl');\
         document.body.dataset.filter = code ? getComputedStyle(code).filter : 'no code';\
         </script></body></html>"
    )
}

/// Cards imported into Anki, as its renderer made them, in Chromium by day
/// and by night: each ruby's reading sits above its base, the card turns
/// dark at night, and highlighted code is inverted to stay readable.
#[test]
#[cfg_attr(
    not(all(anki_roundtrip, browser)),
    ignore = "needs Anki's Python library and headless Chromium: set NOTEDECK_PYTHON and NOTEDECK_CHROMIUM"
)]
fn imported_cards_show_ruby_and_code_by_day_and_night() {
    let anki = anki();
    let tmp = tempfile::tempdir().unwrap();
    let notes = learner_notes(tmp.path());
    let cards = extracted(&notes);
    let out = tmp.path().join("out");
    build(&notes, &out, "apkg");
    let col = tmp.path().join("col.anki2");
    anki.import_apkg(&col, &[out.join("notes.apkg")]);
    let kanji = rendered(&col, &cards, "漢字[かんじ]");
    let code = rendered(&col, &cards, "コード");
    for (night, background, filtered) in [
        (false, "rgb(255, 255, 255)", false),
        (true, "rgb(13, 17, 23)", true),
    ] {
        for (name, answer, rubies) in [
            ("kanji", side(&kanji, "answer"), 2),
            ("code", side(&code, "answer"), 0),
        ] {
            let page = tmp.path().join(format!("{name}-{night}.html"));
            fs::write(&page, card_page(answer, night)).unwrap();
            let url = browser::file_url(&page, "");
            let dom = browser::dom(&url);
            let data = |key: &str| {
                browser::attribute(&dom, "<body", &format!("data-{key}")).unwrap_or_default()
            };
            assert_eq!(data("rubies"), rubies.to_string(), "{name} {night}: {dom}");
            assert_eq!(data("above"), "true", "{name} {night}");
            assert_eq!(data("background"), background, "{name} {night}");
            if name == "code" {
                assert_eq!(
                    data("filter").contains("invert"),
                    filtered,
                    "{}",
                    data("filter")
                );
            }
            browser::screenshot(
                &url,
                &tmp.path().join(format!("{name}-{night}.png")),
                600,
                400,
            );
        }
    }
}
