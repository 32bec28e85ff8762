//! The note types: `notedeck` (one card), `notedeck reversed` (two),
//! `notedeck type-in` (the answer typed) and `notedeck cloze` (a card a
//! gap); their fields, templates and style, and the ids derived from names.
//!
//! Anki merges an imported note type into an existing one with the same id
//! only when the field and template names match, and keeps notes attached to
//! it; so each id is fixed, and a change of fields or templates gets a new id
//! (bump its key), never a silent reshape of what users already have.

use sha2::{Digest, Sha256};

use crate::card::NoteType;

/// The name of the basic note type, shown in Anki.
pub const NOTETYPE_NAME: &str = "notedeck";
/// The note types' `mod`: a fixed time, not the clock, so that a rebuild is
/// the same package. Anki stamps a note type with its own clock when it
/// adds it, so a later package cannot count on "newer" to bring new templates
/// or style: change them together with the key (a new id), as DESIGN.md
/// says.
pub const NOTETYPE_MOD: i64 = 1_764_300_000;

/// Field names of the basic, reversed and type-in note types, in order.
/// The CSV `#columns:` header uses the same names. `Key` carries the card's
/// GUID, which Anki cannot search by: `"Key:…"` finds a card's note (to
/// delete the removed ones, or for a sync to find notes a package import
/// made). No template shows it.
pub const FIELDS: [&str; 5] = ["Front", "Back", "Context", "Source", "Key"];

/// The cloze note type's fields: the back, with its gaps, is `Text`, in
/// the place the others have `Back`; the front stays a field of its own,
/// shown above the gaps as their cue (and the browser's sort field).
pub const CLOZE_FIELDS: [&str; 5] = ["Front", "Text", "Context", "Source", "Key"];

/// One card template: its name, question and answer.
#[derive(Debug)]
pub struct Template {
    pub name: &'static str,
    pub qfmt: &'static str,
    pub afmt: &'static str,
}

/// A note type as notedeck writes it into packages and Anki.
#[derive(Debug)]
pub struct Definition {
    pub note_type: NoteType,
    pub name: &'static str,
    /// What the id is derived from; change it with the fields, templates or
    /// style.
    key: &'static str,
    pub fields: [&'static str; 5],
    pub templates: &'static [Template],
    pub css: &'static str,
}

impl Definition {
    pub fn id(&self) -> i64 {
        derived_id("notetype", self.key)
    }

    /// Anki's cloze kind: one card a gap number, not a card a template.
    pub fn is_cloze(&self) -> bool {
        self.note_type == NoteType::Cloze
    }
}

/// The note type of each `NoteType`.
pub fn definition(note_type: NoteType) -> &'static Definition {
    match note_type {
        NoteType::Basic => &BASIC,
        NoteType::Reversed => &REVERSED,
        NoteType::TypeIn => &TYPE_IN,
        NoteType::Cloze => &CLOZE,
    }
}

static BASIC: Definition = Definition {
    note_type: NoteType::Basic,
    name: NOTETYPE_NAME,
    key: "notetype:notedeck/2",
    fields: FIELDS,
    templates: &[Template {
        name: "Card 1",
        qfmt: QFMT,
        afmt: AFMT,
    }],
    css: CSS,
};

static REVERSED: Definition = Definition {
    note_type: NoteType::Reversed,
    name: "notedeck reversed",
    key: "notetype:notedeck-reversed/1",
    fields: FIELDS,
    templates: &[
        Template {
            name: "Card 1",
            qfmt: QFMT,
            afmt: AFMT,
        },
        Template {
            name: "Card 2",
            qfmt: REVERSED_QFMT,
            afmt: REVERSED_AFMT,
        },
    ],
    css: CSS,
};

static TYPE_IN: Definition = Definition {
    note_type: NoteType::TypeIn,
    name: "notedeck type-in",
    key: "notetype:notedeck-type-in/1",
    fields: FIELDS,
    templates: &[Template {
        name: "Card 1",
        qfmt: TYPE_IN_QFMT,
        afmt: TYPE_IN_AFMT,
    }],
    css: CSS,
};

static CLOZE: Definition = Definition {
    note_type: NoteType::Cloze,
    name: "notedeck cloze",
    key: "notetype:notedeck-cloze/1",
    fields: CLOZE_FIELDS,
    templates: &[Template {
        name: "Cloze",
        qfmt: CLOZE_QFMT,
        afmt: CLOZE_AFMT,
    }],
    css: CLOZE_CSS,
};

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

/// The reversed card asks with the back and answers with the front; a note
/// without a back has no such card (the question is empty).
pub const REVERSED_QFMT: &str = r#"{{#Back}}<div class="nd" lang="ja">
{{#Context}}<div class="nd-context">{{furigana:Context}}</div>{{/Context}}
<div class="nd-back">{{Back}}</div>
</div>{{/Back}}"#;

pub const REVERSED_AFMT: &str = r#"{{FrontSide}}
<hr id="answer">
<div class="nd" lang="ja"><div class="nd-front">{{furigana:Front}}</div></div>
{{#Source}}<div class="nd-source">{{Source}}</div>{{/Source}}"#;

/// As Anki's "Basic (type in the answer)": the box under the front, and on
/// the answer side what was typed against the back's text, then the back.
/// The answer repeats the front rather than `{{FrontSide}}`, which would
/// bring a second box.
pub const TYPE_IN_QFMT: &str = r#"<div class="nd" lang="ja">
{{#Context}}<div class="nd-context">{{furigana:Context}}</div>{{/Context}}
<div class="nd-front">{{furigana:Front}}</div>
</div>
{{type:Back}}"#;

pub const TYPE_IN_AFMT: &str = r#"<div class="nd" lang="ja">
{{#Context}}<div class="nd-context">{{furigana:Context}}</div>{{/Context}}
<div class="nd-front">{{furigana:Front}}</div>
</div>
<hr id="answer">
{{type:Back}}
<div class="nd nd-back" lang="ja">{{Back}}</div>
{{#Source}}<div class="nd-source">{{Source}}</div>{{/Source}}"#;

/// The front as the cue above the text with its gaps; Anki shows `[...]`
/// (or the hint) for the card's own gap and the others as text.
pub const CLOZE_QFMT: &str = r#"<div class="nd" lang="ja">
{{#Context}}<div class="nd-context">{{furigana:Context}}</div>{{/Context}}
<div class="nd-front">{{furigana:Front}}</div>
<div class="nd-back">{{cloze:Text}}</div>
</div>"#;

pub const CLOZE_AFMT: &str = r#"<div class="nd" lang="ja">
{{#Context}}<div class="nd-context">{{furigana:Context}}</div>{{/Context}}
<div class="nd-front">{{furigana:Front}}</div>
<div class="nd-back">{{cloze:Text}}</div>
</div>
{{#Source}}<div class="nd-source">{{Source}}</div>{{/Source}}"#;

/// The style: a Japanese font stack (macOS, Windows, Android/Linux, iOS),
/// images that fit the card, nested lists and code that stay readable on a
/// phone, and night mode (Anki adds `.nightMode` / `.night_mode`).
///
/// Inline code gets its band from `:not(pre) > code` rules only, so that no
/// rule for inline code, however specific (night mode adds a class), can
/// paint each line of a code block a band of its own.
macro_rules! CSS_BASE {
    () => {
        r#".card {
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
"#
    };
}
pub const CSS: &str = CSS_BASE!();

/// The cloze note type's style: the basic one and the gaps (`.cloze`, as
/// Anki marks them), which the basic type does not need (a change of its
/// style would need a new id).
pub const CLOZE_CSS: &str = concat!(
    CSS_BASE!(),
    r#".cloze { font-weight: bold; color: #0550ae; }
.nightMode .cloze, .night_mode .cloze { color: #79c0ff; }
"#
);

impl Definition {
    /// The note type as schema 11 stores it in `col.models`.
    pub fn json(&self) -> serde_json::Value {
        let fields: Vec<serde_json::Value> = self
            .fields
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
        let templates: Vec<serde_json::Value> = self
            .templates
            .iter()
            .enumerate()
            .map(|(ord, t)| {
                serde_json::json!({
                    "name": t.name,
                    "ord": ord,
                    "qfmt": t.qfmt,
                    "afmt": t.afmt,
                    "bqfmt": "",
                    "bafmt": "",
                    "did": null,
                    "bfont": "",
                    "bsize": 0,
                })
            })
            .collect();
        // Each card needs its question's field (Front, or Back for the
        // reversed card); older clients read this instead of the
        // templates. Cloze cards come from the gaps.
        let req: Vec<serde_json::Value> = if self.is_cloze() {
            Vec::new()
        } else {
            (0..self.templates.len())
                .map(|ord| serde_json::json!([ord, "any", [if ord == 0 { 0 } else { 1 }]]))
                .collect()
        };
        serde_json::json!({
            "id": self.id(),
            "name": self.name,
            "type": if self.is_cloze() { 1 } else { 0 },
            "mod": NOTETYPE_MOD,
            "usn": -1,
            "sortf": 0,
            "did": null,
            "tmpls": templates,
            "flds": fields,
            "css": self.css,
            "latexPre": "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n\\usepackage[utf8]{inputenc}\n\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n\\setlength{\\parindent}{0in}\n\\begin{document}\n",
            "latexPost": "\\end{document}",
            "latexsvg": false,
            "req": req,
            "tags": [],
            "vers": [],
        })
    }
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
        let notetypes: Vec<i64> = NoteType::ALL.iter().map(|&t| definition(t).id()).collect();
        let mut distinct = notetypes.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), NoteType::ALL.len());
        for &id in notetypes.iter().chain(&[a, derived_id("note", "")]) {
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
    fn notetypes_have_their_fields_templates_and_kind() {
        for note_type in NoteType::ALL {
            let definition = definition(note_type);
            let nt = definition.json();
            let names: Vec<&str> = nt["flds"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["name"].as_str().unwrap())
                .collect();
            assert_eq!(names, definition.fields);
            assert_eq!(nt["id"], definition.id());
            let cloze = note_type == NoteType::Cloze;
            assert_eq!(nt["type"], if cloze { 1 } else { 0 });
            let templates = nt["tmpls"].as_array().unwrap().len();
            assert_eq!(
                templates,
                if note_type == NoteType::Reversed {
                    2
                } else {
                    1
                }
            );
        }
        // The basic note type is as it was before the others came: no new id.
        assert_eq!(definition(NoteType::Basic).json()["css"], CSS);
    }
}
