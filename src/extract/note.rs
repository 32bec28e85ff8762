//! A note's cards as its settings ask (`notedeck.toml` and its front
//! matter): extracted in the deck its folder names, of the note type it
//! asks for, and cloze notes where a back has gaps.

use crate::card::Card;
use crate::cloze;
use crate::japanese::author;
use crate::notes::config::Config;
use crate::notes::scan::NoteText;
use crate::trace::Trace;

/// The cards of the note `name` (relative to the notes root, with `/`)
/// whose text is `note`, as `config` and its front matter ask. With
/// `trace`, what the extractor decided for each part of the note is
/// recorded there (`notedeck explain`).
pub fn note_cards(
    config: &Config,
    name: &str,
    note: &NoteText,
    trace: Option<&mut Trace>,
) -> Vec<Card> {
    if note.skip {
        return Vec::new();
    }
    let settings = config.note_settings(name, note.options);
    let deck = |own: String| settings.deck(own);
    let extract = || match trace {
        Some(trace) => super::explain_note_in_deck(name, &note.text, deck, trace),
        None => super::extract_note_in_deck(name, &note.text, deck),
    };
    let mut cards = match config.author_words() {
        Some(words) => author::with_words(words, extract),
        None => extract(),
    };
    for card in &mut cards {
        card.note_type = settings.note_type;
        cloze::apply(card);
    }
    cards
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::card::NoteType;
    use crate::notes::options::NoteOptions;

    fn note(text: &str) -> NoteText {
        NoteText {
            text: text.to_string(),
            options: NoteOptions::default(),
            skip: false,
        }
    }

    #[test]
    fn a_card_is_keyed_by_the_deck_its_folder_names() {
        let config = Config::parse(
            "[folders.\"aws/ec2\"]\ndeck = \"AWS::EC2\"\n",
            Path::new("notes"),
        )
        .unwrap();
        let text = note("# 題\n\n- 用語: 定義\n");
        let ec2 = &note_cards(&config, "aws/ec2/x.md", &text, None)[0];
        assert_eq!(&*ec2.deck, "AWS::EC2::題");
        // The key is derived from the deck the card is in: that of a note
        // whose folders make the same deck.
        let plain = Config::default();
        assert_eq!(
            ec2.guid,
            note_cards(&plain, "AWS/EC2/x.md", &text, None)[0].guid
        );
        assert_ne!(
            ec2.guid,
            note_cards(&plain, "aws/ec2/x.md", &text, None)[0].guid
        );
    }

    #[test]
    fn the_note_type_is_set_and_gaps_make_cloze_notes() {
        let config = Config::parse("reverse = true\n", Path::new("notes")).unwrap();
        let text = note("- 用語: 定義\n- 光合成: ==光== を使う\n");
        let cards = note_cards(&config, "a.md", &text, None);
        assert_eq!(cards[0].note_type, NoteType::Reversed);
        assert_eq!(cards[1].note_type, NoteType::Cloze);
        assert!(cards[1].back_html.contains("{{c1::光}}"));
    }
}
