//! The `notedeck` note type: its fields, templates and style, and the ids
//! derived from names.
//!
//! Anki merges an imported note type into an existing one with the same id
//! only when the field and template names match, and keeps notes attached to
//! it; so the id is fixed, and a change of fields or templates gets a new id
//! (bump `NOTETYPE_KEY`), never a silent reshape of what users already have.

use sha2::{Digest, Sha256};

/// Name shown in Anki and used by the CSV header `#notetype:`.
pub const NOTETYPE_NAME: &str = "notedeck";
/// What the note type id is derived from; change it with the fields,
/// templates or style.
const NOTETYPE_KEY: &str = "notetype:notedeck/2";
/// The note type's `mod`: a fixed time, not the clock, so that a rebuild is
/// the same package. Anki stamps the note type with its own clock when it
/// adds it, so a later package cannot count on "newer" to bring new templates
/// or style: change them together with `NOTETYPE_KEY` (a new id), as
/// DESIGN.md says.
pub const NOTETYPE_MOD: i64 = 1_764_300_000;

/// Field names, in order. The CSV `#columns:` header uses the same names so
/// that Anki maps columns to fields by name. `Key` carries the card's GUID,
/// which Anki cannot search by: `"Key:…"` finds a card's note (to delete the
/// removed ones, or for a sync to find notes a package import made). No
/// template shows it.
pub const FIELDS: [&str; 5] = ["Front", "Back", "Context", "Source", "Key"];

/// Ids must stay below 2^53: Anki's desktop and web UI pass them through
/// JavaScript numbers. Ids below 2^32 are avoided so that they never meet the
/// small ids Anki gives to its own objects (deck 1, config 1).
const ID_MIN: u64 = 1 << 32;
const ID_MAX: u64 = (1 << 53) - 1;

/// A stable id from a name: the first 8 bytes of its SHA-256, folded into
/// `ID_MIN..=ID_MAX`. `kind` keeps the id spaces of decks, notes and cards apart.
pub fn derived_id(kind: &str, name: &str) -> i64 {
    let digest = Sha256::new()
        .chain_update(kind.as_bytes())
        .chain_update([0u8])
        .chain_update(name.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let raw = u64::from_be_bytes(first);
    (ID_MIN + raw % (ID_MAX - ID_MIN + 1)) as i64
}

pub fn notetype_id() -> i64 {
    derived_id("notetype", NOTETYPE_KEY)
}

pub fn deck_id(deck: &str) -> i64 {
    derived_id("deck", deck)
}

/// Front template: the context, small, above the front. `lang="ja"` makes
/// renderers pick Japanese glyphs for kanji shared with Chinese. Front and
/// Context hold furigana in Anki's own syntax (`漢字[かんじ]`, editable in
/// Anki as any Anki user writes them), which its `furigana:` filter shows as
/// ruby; the Back holds its ruby as HTML already.
pub const QFMT: &str = r#"<div class="nd" lang="ja">
{{#Context}}<div class="nd-context">{{furigana:Context}}</div>{{/Context}}
<div class="nd-front">{{furigana:Front}}</div>
</div>"#;

pub const AFMT: &str = r#"{{FrontSide}}
<hr id="answer">
<div class="nd nd-back" lang="ja">{{Back}}</div>
{{#Source}}<div class="nd-source">{{Source}}</div>{{/Source}}"#;

/// The style: a Japanese font stack (macOS, Windows, Android/Linux, iOS),
/// images that fit the card, nested lists and code that stay readable on a
/// phone, and night mode (Anki adds `.nightMode` / `.night_mode`).
///
/// Inline code gets its band from `:not(pre) > code` rules only, so that no
/// rule for inline code, however specific (night mode adds a class), can
/// paint each line of a code block a band of its own.
pub const CSS: &str = r#".card {
  font-family: "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic UI", "Yu Gothic", YuGothic, Meiryo, "Noto Sans CJK JP", "Noto Sans JP", "Source Han Sans JP", sans-serif;
  font-size: 20px;
  line-height: 1.6;
  text-align: left;
  color: #1f2328;
  background-color: #ffffff;
  padding: 0 0.5em;
}
.nd-context { font-size: 0.7em; color: #6e7781; margin-bottom: 0.4em; }
.nd-front { font-size: 1.2em; font-weight: bold; }
.nd-back { margin-top: 0.5em; }
.nd-source { font-size: 0.6em; color: #8c959f; margin-top: 1.5em; }
.nd img { max-width: 100%; height: auto; }
.nd ul, .nd ol { margin: 0.2em 0; padding-left: 1.4em; }
.nd li { margin: 0.15em 0; }
.nd li > ul, .nd li > ol { font-size: 0.95em; }
.nd code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Noto Sans Mono CJK JP", monospace; font-size: 0.9em; }
.nd :not(pre) > code { background: rgba(175, 184, 193, 0.25); padding: 0.1em 0.3em; border-radius: 4px; }
.nd pre { overflow-x: auto; background: #f6f8fa; padding: 0.6em; border-radius: 6px; white-space: pre; }
.nd ruby rt { font-size: 0.55em; }
.nd-hl { display: block; }
.nd table { border-collapse: collapse; }
.nd th, .nd td { border: 1px solid #d0d7de; padding: 0.2em 0.5em; }
.nightMode.card, .night_mode .card, .card.nightMode { color: #e6edf3; background-color: #0d1117; }
.nightMode .nd-context, .night_mode .nd-context { color: #8b949e; }
.nightMode .nd-source, .night_mode .nd-source { color: #6e7681; }
.nightMode .nd pre, .night_mode .nd pre { background: #161b22; }
.nightMode .nd-hl, .night_mode .nd-hl { filter: invert(1) hue-rotate(180deg); }
.nightMode .nd :not(pre) > code, .night_mode .nd :not(pre) > code { background: rgba(110, 118, 129, 0.4); }
.nightMode .nd th, .nightMode .nd td, .night_mode .nd th, .night_mode .nd td { border-color: #30363d; }
"#;

/// The note type as schema 11 stores it in `col.models`.
pub fn notetype_json() -> serde_json::Value {
    let fields: Vec<serde_json::Value> = FIELDS
        .iter()
        .enumerate()
        .map(|(ord, name)| {
            serde_json::json!({
                "name": name,
                "ord": ord,
                "sticky": false,
                "rtl": false,
                "font": "Arial",
                "size": 20,
                "media": [],
            })
        })
        .collect();
    serde_json::json!({
        "id": notetype_id(),
        "name": NOTETYPE_NAME,
        "type": 0,
        "mod": NOTETYPE_MOD,
        "usn": -1,
        "sortf": 0,
        "did": null,
        "tmpls": [{
            "name": "Card 1",
            "ord": 0,
            "qfmt": QFMT,
            "afmt": AFMT,
            "bqfmt": "",
            "bafmt": "",
            "did": null,
            "bfont": "",
            "bsize": 0,
        }],
        "flds": fields,
        "css": CSS,
        "latexPre": "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n\\usepackage[utf8]{inputenc}\n\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n\\setlength{\\parindent}{0in}\n\\begin{document}\n",
        "latexPost": "\\end{document}",
        "latexsvg": false,
        // The card needs a Front; older clients read this instead of the template.
        "req": [[0, "any", [0]]],
        "tags": [],
        "vers": [],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_distinct_and_js_safe() {
        let a = deck_id("aws::DOP::CloudLicence");
        assert_eq!(a, deck_id("aws::DOP::CloudLicence"));
        assert_ne!(a, deck_id("aws::DOP"));
        assert_ne!(derived_id("note", "x"), derived_id("card", "x"));
        for id in [a, notetype_id(), derived_id("note", "")] {
            assert!(id >= ID_MIN as i64 && id <= ID_MAX as i64, "{id}");
        }
    }

    /// The selectors of the CSS rules whose declarations set `property`.
    fn selectors_setting(property: &str) -> Vec<String> {
        CSS.split('}')
            .filter_map(|rule| rule.split_once('{'))
            .filter(|(_, body)| {
                body.split(';')
                    .any(|d| d.split(':').next().unwrap_or("").trim() == property)
            })
            .flat_map(|(selectors, _)| selectors.split(',').map(|s| s.trim().to_string()))
            .collect()
    }

    #[test]
    fn code_blocks_get_no_band_of_inline_code_in_either_mode() {
        let painting_code: Vec<String> = selectors_setting("background")
            .into_iter()
            .filter(|s| s.ends_with("code"))
            .collect();
        // Light and night mode both give inline code its band…
        assert!(painting_code.iter().any(|s| !s.contains("night")));
        assert!(painting_code.iter().any(|s| s.starts_with(".nightMode")));
        assert!(painting_code.iter().any(|s| s.starts_with(".night_mode")));
        // …and none of those rules reaches code inside a `pre`.
        for selector in &painting_code {
            assert!(selector.ends_with(":not(pre) > code"), "{selector}");
        }
        // The block itself has its background in both modes.
        let pre = selectors_setting("background");
        assert!(pre.iter().any(|s| s == ".nd pre"));
        assert!(pre.iter().any(|s| s == ".nightMode .nd pre"));
    }

    #[test]
    fn notetype_has_the_fields_in_order() {
        let nt = notetype_json();
        let names: Vec<&str> = nt["flds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, FIELDS);
        assert_eq!(nt["id"], notetype_id());
    }
}
