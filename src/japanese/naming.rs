//! Whether two names name the same thing: a heading and the term the
//! paragraph opening its section defines (`## EFS` over `**Amazon EFS**
//! （Elastic File System）は、…`), a card and a line under it that names
//! it again (`CNAME レコード:` over `CNAME レコードは、…`). Said twice,
//! one thing makes one card.

use std::borrow::Cow;

use super::folded;
use super::script::{is_close_bracket, is_hiragana, is_latin_or_digit, is_space};
use super::TrimSpaces;

/// The questions a heading asks about a name (`DevOps変革とは？`,
/// `Route 53とは`, `What is IAM?`), outermost first.
const ASKING_ENDINGS: &[&str] = &["とは何ですか", "とは何か", "って何", "とは"];
const ASKING_STARTS: &[&str] = &["what is ", "what are "];

/// What a course's heading adds to a name it teaches the basics of
/// (`Identity Access Management (IAM) 101`).
const BASICS: &str = " 101";

/// Whether `a` and `b` are one name, written alike but for width, case,
/// a gloss in brackets at the end (`DevOps変革(DevOps transformation)`)
/// and the question a heading asks about it (`DevOps変革とは？`).
pub fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (folded_name(a), folded_name(b));
    let (a, b) = (bare(&a), bare(&b));
    !a.is_empty() && a == b
}

/// A name folded and bare once, to be compared with many (`same_name`):
/// the card above, with each card nested under it.
pub struct Name {
    bare: String,
}

impl Name {
    pub fn new(name: &str) -> Name {
        Name::of_bare(bare(&folded_name(name)))
    }

    /// `new(name)`, given `folded(name)` too: a name with no space around
    /// it is not folded again.
    pub fn of_folded(name: &str, folded: &str) -> Name {
        if name.trim_spaces().len() == name.len() {
            Name::of_bare(bare(folded))
        } else {
            Name::new(name)
        }
    }

    fn of_bare(bare: &str) -> Name {
        Name {
            bare: bare.to_string(),
        }
    }

    /// `same_name` of this name and `other`.
    pub fn is_named(&self, other: &str) -> bool {
        !self.bare.is_empty() && bare(&folded_name(other)) == self.bare
    }

    /// `is_named(other)`, given `folded(other)` too: a name with no space
    /// around it is not folded again.
    pub fn is_named_folded(&self, other: &str, folded: &str) -> bool {
        if other.trim_spaces().len() == other.len() {
            !self.bare.is_empty() && bare(folded) == self.bare
        } else {
            self.is_named(other)
        }
    }
}

/// Whether `term` is the name `heading` gives, perhaps qualified before
/// it (`Amazon EFS（Elastic File System）` under `EFS`, `Amazon
/// EBSマルチアタッチ` under `EBSマルチアタッチ`): the heading's name ends
/// the term as a word of its own. A name that goes on after it names
/// something else (`S3 Glacier` is no `S3`), and one inside a longer word
/// is no name (`システム` in `情報システム`).
pub fn heading_names(heading: &str, term: &str) -> bool {
    let (heading, term) = (folded_name(heading), folded_name(term));
    let (heading, term) = (bare(&heading), bare(&term));
    let Some(before) = term.strip_suffix(heading) else {
        return false;
    };
    let Some(first) = heading.chars().next() else {
        return false;
    };
    before
        .chars()
        .next_back()
        .is_none_or(|c| word_boundary(c, first))
}

/// Whether a word may end between `outside` and `inside` (its first or
/// last character): at a space, a bracket or a mark, before or after a
/// particle, or where Latin letters meet Japanese (`EA` after `作る`).
fn word_boundary(outside: char, inside: char) -> bool {
    !outside.is_alphanumeric()
        || is_hiragana(outside)
        || is_latin_or_digit(outside) != is_latin_or_digit(inside)
}

/// `Identity Access Management (IAM) 101` → `Identity Access Management
/// (IAM)`: the course level after a name says the section teaches its
/// basics; the name is what it teaches. A name that is only the level
/// (`101`) stays.
pub fn without_course_level(name: &str) -> &str {
    match name.strip_suffix(BASICS) {
        Some(taught) if !taught.trim_spaces().is_empty() => taught.trim_end_matches(is_space),
        _ => name,
    }
}

/// The name folded for `bare`, borrowed when folding leaves it as it is
/// (most names, compared for every card nested in another).
fn folded_name(name: &str) -> Cow<'_, str> {
    folded(name.trim_spaces())
}

/// The folded name (`folded_name`) without the question asked about it,
/// the course level after it (`IAM 101`) and the gloss in brackets at its
/// end.
fn bare(name: &str) -> &str {
    let mut name = name
        .trim_end_matches(['?', '？'])
        .trim_end_matches(is_space);
    if let Some(asked) = ASKING_ENDINGS.iter().find_map(|e| name.strip_suffix(e)) {
        name = asked;
    } else if let Some(asked) = ASKING_STARTS.iter().find_map(|s| name.strip_prefix(s)) {
        name = asked;
    }
    let name = without_course_level(name);
    without_gloss(name.trim_spaces())
}

/// `DevOps変革(DevOps transformation)` → `DevOps変革`: a gloss in
/// brackets at the end of a name, when something is left before it.
fn without_gloss(name: &str) -> &str {
    let Some(close) = name.chars().next_back().filter(|&c| is_close_bracket(c)) else {
        return name;
    };
    let open = match close {
        ')' => '(',
        '）' => '（',
        ']' => '[',
        _ => return name,
    };
    match name.rfind(open) {
        Some(at) if !name[..at].trim_end_matches(is_space).is_empty() => {
            name[..at].trim_end_matches(is_space)
        }
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_given_folded_is_named_as_it_is_folded_here() {
        let pieces = [
            " ",
            "\u{3000}",
            "CNAME",
            "cname",
            "ＣＮＡＭＥ",
            "レコード",
            "とは",
            "?",
            "(x)",
            " 101",
        ];
        let names = crate::random_text::texts(&pieces, 8, 21, 20_000);
        let others = crate::random_text::texts(&pieces, 8, 22, 20_000);
        for (name, other) in names.zip(others) {
            let name = Name::new(&name);
            for other in [other.as_str(), "CNAMEレコード", "cname レコード"] {
                let folded = folded(other);
                assert_eq!(
                    name.is_named_folded(other, &folded),
                    name.is_named(other),
                    "{other:?}"
                );
            }
        }
    }

    #[test]
    fn the_course_level_after_a_name_is_no_part_of_it() {
        assert_eq!(without_course_level("IAM 101"), "IAM");
        assert_eq!(without_course_level("101"), "101");
        assert_eq!(without_course_level("Room 1101"), "Room 1101");
    }

    #[test]
    fn one_name_written_again() {
        assert!(same_name("CNAME レコード", "CNAME レコード"));
        assert!(same_name("Validated Learning", "validated learning"));
        assert!(same_name(
            "DevOps変革とは？",
            "DevOps変革(DevOps transformation)"
        ));
        assert!(same_name(
            "What is IAM?",
            "IAM（Identity and Access Management）"
        ));
        assert!(!same_name("CNAME レコード", "CNAME"));
        assert!(!same_name("", ""));
        assert!(Name::new("What is IAM?").is_named("IAM（Identity and Access Management）"));
        assert!(!Name::new("").is_named(""));
    }

    #[test]
    fn a_name_given_folded_is_the_name_folded_here() {
        for name in [
            "What is IAM?",
            "ＤＬＱとは",
            " Amazon EFS（Elastic File System）　",
        ] {
            let folded = crate::japanese::folded(name);
            assert_eq!(Name::of_folded(name, &folded).bare, Name::new(name).bare);
        }
    }

    #[test]
    fn a_heading_names_a_term_that_ends_with_its_name() {
        assert!(heading_names("EFS", "Amazon EFS（Elastic File System）"));
        assert!(heading_names(
            "EBSマルチアタッチ",
            "Amazon EBSマルチアタッチ"
        ));
        assert!(heading_names("署名付きURL", "署名付きURL"));
        assert!(heading_names(
            "DevOps変革とは？",
            "DevOps変革(DevOps transformation)"
        ));
        assert!(heading_names(
            "Identity Access Management (IAM) 101",
            "Identity Access Management"
        ));
        assert!(!heading_names("S3", "S3 Glacier"));
        assert!(!heading_names("Kubernetesの課題", "Kubernetes"));
        assert!(!heading_names("システム", "情報システム"));
        assert!(!heading_names(
            "業務プロセスのアウトソーシング",
            "BPO(Business Process Outsourcing)"
        ));
        assert!(!heading_names("", "EFS"));
    }
}
