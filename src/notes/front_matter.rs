//! A note's front matter, read as YAML: what its `notedeck` key asks for.
//!
//! Front matter is a first line `---` up to a line `---` or `...`, as
//! Jekyll, Hugo and Obsidian write it. It is parsed whole by a YAML parser
//! (serde-saphyr), so flow style (`notedeck: {reverse: true}`), block
//! style, comments and quoted values all read as YAML says. Of it only the
//! key `notedeck` is read, a mapping of `reverse`, `type_in` and `skip` to
//! booleans; the other keys belong to other tools and are left alone, but
//! front matter that is not YAML at all is an error, naming its line.
//!
//! A note may come from a folder cloned from a stranger: the front matter
//! is read only up to `MAX_BYTES`, and the parser's budget bounds what
//! anchors and aliases may expand to (a "billion laughs" of a few hundred
//! bytes is refused, not expanded).

use serde::Deserialize;

use super::options::NoteOptions;

/// The largest front matter read, in bytes: front matter is a few lines of
/// metadata, and all of it is parsed.
pub const MAX_BYTES: usize = 64 << 10;

/// Alias replays allowed in one front matter: far more than metadata uses,
/// far fewer than an alias bomb needs.
const MAX_REPLAYED_EVENTS: usize = 10_000;

/// What a note's front matter asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Asks {
    pub options: NoteOptions,
    /// `notedeck: {skip: true}`: the note makes no card.
    pub skip: bool,
}

/// What is wrong in a front matter: the line of the note and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

/// Where the front matter of `text` ends (after its closing line), if the
/// note has one.
pub fn end(text: &str) -> Option<usize> {
    let mut lines = text.split_inclusive('\n');
    if lines.next()?.trim_end() != "---" {
        return None;
    }
    let mut end = text.find('\n')? + 1;
    for line in lines {
        end += line.len();
        if matches!(line.trim_end(), "---" | "...") {
            return Some(end);
        }
    }
    None
}

/// The document of the front matter, its `notedeck` key alone typed.
#[derive(Deserialize)]
struct Document {
    notedeck: Option<Keys>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Keys {
    reverse: Option<bool>,
    type_in: Option<bool>,
    #[serde(default)]
    skip: bool,
}

/// What the front matter `block` (from its opening `---` to its closing
/// line, as `end` finds it) asks for.
pub fn read(block: &str) -> Result<Asks, Problem> {
    if block.len() > MAX_BYTES {
        return Err(Problem {
            line: 1,
            message: format!(
                "front matter larger than the limit of {} KiB",
                MAX_BYTES >> 10
            ),
        });
    }
    // The YAML between the two `---` lines: its line 1 is the note's line 2.
    let body = block.split_once('\n').map_or("", |(_, rest)| rest);
    let body = body
        .trim_end_matches(['\n', '\r'])
        .rsplit_once('\n')
        .map_or("", |(yaml, _closing)| yaml);
    let options = serde_saphyr::options! {
        strict_booleans: true,
        // As most YAML readers do: other tools' keys are not ours to refuse.
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::LastWins,
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_REPLAYED_EVENTS,
        },
    };
    let document: Option<Document> =
        serde_saphyr::from_str_with_options(body, options).map_err(|err| problem(&err, body))?;
    let Some(keys) = document.and_then(|d| d.notedeck) else {
        return Ok(Asks::default());
    };
    let asks = Asks {
        options: NoteOptions {
            reverse: keys.reverse,
            type_in: keys.type_in,
        },
        skip: keys.skip,
    };
    match asks.options.conflict() {
        Some(why) => Err(Problem {
            line: notedeck_line(body),
            message: format!("notedeck: {why}"),
        }),
        None => Ok(asks),
    }
}

/// The parser's error at its line of the note (the YAML starts on line 2),
/// said of the `notedeck` key when it is in its lines.
fn problem(err: &serde_saphyr::Error, body: &str) -> Problem {
    let err = err.without_snippet();
    let line = err.location().map_or(1, |at| at.line() as usize + 1);
    let mut message = err.to_string();
    // Ours names the place first.
    if let Some((alone, _)) = message.rsplit_once(" at line ") {
        message.truncate(alone.len());
    }
    let message = if notedeck_lines(body).contains(&line) {
        let message = match message.as_str() {
            "expected mapping start" => "expected a mapping such as {reverse: true}",
            other => other,
        };
        format!("notedeck: {message}")
    } else {
        format!("front matter: {message}")
    };
    Problem { line, message }
}

/// The lines of the note the `notedeck` key holds: its own and the
/// indented ones below it.
fn notedeck_lines(body: &str) -> std::ops::Range<usize> {
    let lines: Vec<&str> = body.lines().collect();
    let Some(at) = lines.iter().position(|line| is_notedeck_key(line)) else {
        return 0..0;
    };
    let below = lines[at + 1..]
        .iter()
        .take_while(|line| line.starts_with([' ', '\t']) || line.trim().is_empty())
        .count();
    // Note lines: the YAML's line 1 is the note's line 2.
    at + 2..at + 3 + below
}

fn is_notedeck_key(line: &str) -> bool {
    line.strip_prefix("notedeck")
        .is_some_and(|rest| rest.trim_start().starts_with(':'))
}

/// The note's line of the `notedeck` key, for what is wrong with its keys
/// together.
fn notedeck_line(body: &str) -> usize {
    notedeck_lines(body).start.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asks(block: &str) -> Result<Asks, Problem> {
        let end = end(block).expect("front matter");
        read(&block[..end])
    }

    fn reverse() -> NoteOptions {
        NoteOptions {
            reverse: Some(true),
            type_in: None,
        }
    }

    #[test]
    fn flow_block_comments_and_quotes_read_as_yaml() {
        for block in [
            "---\nnotedeck: {reverse: true}\n---\n",
            "---\nnotedeck: {reverse: true}     # or {type_in: true}\n---\n",
            "---\ntitle: \"a: b # c\"\nnotedeck:\n  # a comment\n  reverse: true  # typed\n...\n",
            "---\nnotedeck: {\"reverse\": true}\n---\n",
            "---\nnotedeck:\n  reverse: True\ntags: [a, b]\n---\n",
        ] {
            let want = Asks {
                options: reverse(),
                skip: false,
            };
            assert_eq!(asks(block), Ok(want), "{block:?}");
        }
        assert_eq!(asks("---\n---\n"), Ok(Asks::default()));
        assert_eq!(asks("---\n# only a comment\n---\n"), Ok(Asks::default()));
        assert!(asks("---\nnotedeck: {skip: true}\n---\n").unwrap().skip);
    }

    #[test]
    fn a_bad_value_names_its_line() {
        for (block, line, want) in [
            ("---\nnotedeck: {reverse: yes}\n---\n", 2, "boolean"),
            (
                "---\na: 1\nnotedeck:\n  revers: true\n---\n",
                4,
                "notedeck: unknown field `revers`",
            ),
            (
                "---\nnotedeck: {reverse: true, type_in: true}\n---\n",
                2,
                "reverse and type_in",
            ),
            (
                "---\ntitle: x\nnotedeck: true\n---\n",
                3,
                "notedeck: expected a mapping",
            ),
            ("---\ntitle: [x\nnext: y\n---\n", 3, "front matter: "),
        ] {
            let problem = asks(block).unwrap_err();
            assert_eq!(problem.line, line, "{block:?}: {problem:?}");
            assert!(problem.message.contains(want), "{block:?}: {problem:?}");
        }
    }

    #[test]
    fn an_alias_bomb_is_refused_not_expanded() {
        let mut block = String::from("---\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (name, previous) in ["b", "c", "d", "e", "f", "g", "h", "i"]
            .iter()
            .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
        {
            let aliases = vec![format!("*{previous}"); 9].join(", ");
            block.push_str(&format!("{name}: &{name} [{aliases}]\n"));
        }
        block.push_str("notedeck: {reverse: true}\n---\n");
        // Expanded, it would be 9^9 scalars: gigabytes.
        let problem = asks(&block).unwrap_err();
        assert!(problem.message.contains("alias"), "{problem:?}");
    }

    #[test]
    fn a_front_matter_past_the_limit_is_refused() {
        let block = format!("---\ntitle: {}\n---\n", "x".repeat(MAX_BYTES));
        assert_eq!(asks(&block).unwrap_err().line, 1);
    }
}
