//! A course's notes say when it teaches a topic (`Day2前半で学習`,
//! `第3回で扱う`, `covered in Week 2`): a note of the schedule, which
//! defines nothing and is nothing to recall.

use super::script::{is_numeral, is_space};
use super::TrimSpaces;

/// Units a course is taught in, written before their number (`Day2`,
/// `Week 3`), lower case.
const UNITS_BEFORE: &[&str] = &[
    "day", "week", "lesson", "chapter", "session", "module", "unit", "part",
];

/// Counters after a number (`3日目`, `2章`) or between `第` and it (`第3回`).
const UNITS_AFTER: &[&str] = &["日目", "回目", "週目", "日", "回", "章", "週", "講", "部"];

/// How a Japanese note says the unit teaches the topic, at its end
/// (`…で学習`, `…で扱います`).
const TEACHES: &[&str] = &[
    "で学習",
    "で学習する",
    "で学習します",
    "で学ぶ",
    "で学びます",
    "で扱う",
    "で扱います",
    "で解説",
    "で解説します",
    "で説明",
    "で説明します",
    "で紹介",
    "で紹介します",
];

/// How an English note says it (`covered in Week 2`).
const TEACHES_IN_ENGLISH: &[&str] = &["covered in ", "taught in ", "discussed in "];

/// Whether `text` only says when the course teaches its topic:
/// `Day2前半で学習`, `Day1後半・Day2前半で学習`, `第3回で扱います。`,
/// `covered in Week 2`. A unit of the course opens it (or follows the
/// English verb), and nothing else is said.
pub fn is_schedule_note(text: &str) -> bool {
    let text = text
        .trim_spaces()
        .trim_end_matches(['。', '.'])
        .trim_end_matches(is_space);
    // The length first: most definitions are long, and the 41st character
    // tells without a search for punctuation through all of one (past 164
    // bytes there is one, as no character takes more than four).
    let long = text.len() >= 4 * 41 || text.chars().nth(40).is_some();
    if long || text.contains(['。', '、', ',']) {
        return false;
    }
    // Lowered only once the verb or ending is found: most short
    // definitions have neither.
    if let Some(unit) = TEACHES_IN_ENGLISH
        .iter()
        .find_map(|verb| strip_prefix_ignoring_case(text, verb))
    {
        return opens_with_unit(&unit.to_ascii_lowercase());
    }
    // The endings are Japanese: case changes nothing of them.
    TEACHES.iter().any(|ending| text.ends_with(ending))
        && opens_with_unit(&text.to_ascii_lowercase())
}

/// `text` after `prefix` (ASCII, lower case), if it starts with it in any case.
fn strip_prefix_ignoring_case<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    text.get(..prefix.len())
        .filter(|start| start.eq_ignore_ascii_case(prefix))
        .map(|_| &text[prefix.len()..])
}

/// Whether `text` (lower case) opens with a unit of a course and its
/// number: `day2`, `week 3`, `第3回`, `3日目`.
fn opens_with_unit(text: &str) -> bool {
    let numbered = |rest: &str| rest.trim_start_matches(is_space).starts_with(is_numeral);
    if let Some(rest) = UNITS_BEFORE.iter().find_map(|unit| text.strip_prefix(unit)) {
        return numbered(rest);
    }
    let counted = text.strip_prefix('第').unwrap_or(text);
    let after = counted.trim_start_matches(is_numeral);
    after.len() < counted.len() && UNITS_AFTER.iter().any(|unit| after.starts_with(unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_of_when_a_course_teaches_a_topic() {
        assert!(is_schedule_note("Day2前半で学習"));
        assert!(is_schedule_note("Day1後半・Day2前半で学習"));
        assert!(is_schedule_note("第3回で扱います。"));
        assert!(is_schedule_note("3日目で解説"));
        assert!(is_schedule_note("covered in Week 2"));
        assert!(is_schedule_note("Covered in WEEK 2."));
        // Definitions, even of learning.
        assert!(!is_schedule_note("ラベル付きのデータで学習する"));
        assert!(!is_schedule_note("Day2前半で学習。CIの基本を押さえる"));
        assert!(!is_schedule_note("2024年に公開"));
        assert!(!is_schedule_note("covered in detail below"));
        assert!(!is_schedule_note("Daylight saving time"));
    }
}
