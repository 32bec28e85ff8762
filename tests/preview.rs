//! `notedeck preview`: the page in headless Chromium, as a learner opens
//! it: every card counted and shown, search and filters narrowing the list
//! (set through the URL fragment the page reads), day and night.

#[path = "common/browser.rs"]
mod browser;
mod common;

use common::Project;

const JAPANESE: &str = "# 日本語\n\n\
- 漢字[かんじ]: 中国から来た文字\n\
- {東京|とうきょう}: 日本の首都\n\
- 大阪: 西の<ruby>大阪<rt>おおさか</rt></ruby>は大きな都市\n";

const AWS: &str = "# AWS\n\n## 41.\n\n\
- CloudWatch: 監視のサービス\n\
- IAM: 権限を管理するサービス\n";

/// What the page shows for one fragment: the count it prints, the number
/// of cards it shows, and whether it is in night mode.
struct Shown {
    count_text: String,
    shown: usize,
    articles: usize,
    visible: usize,
    night: bool,
}

fn open(page: &std::path::Path, fragment: &str) -> Shown {
    let dom = browser::dom(&browser::file_url(page, fragment));
    let count = dom.find("id=\"pv-count\"").expect("the count");
    let text_start = count + dom[count..].find('>').unwrap() + 1;
    let count_text = dom[text_start..text_start + dom[text_start..].find('<').unwrap()].to_string();
    let articles: Vec<&str> = dom.split("<article ").skip(1).collect();
    Shown {
        count_text,
        shown: browser::attribute(&dom, "id=\"pv-count\"", "data-shown")
            .expect("the script ran")
            .parse()
            .unwrap(),
        articles: articles.len(),
        visible: articles
            .iter()
            .filter(|a| !a[..a.find('>').unwrap()].contains("hidden"))
            .count(),
        night: browser::attribute(&dom, "<body", "class").is_some_and(|c| c.contains("night_mode")),
    }
}

#[test]
#[cfg_attr(
    not(browser),
    ignore = "needs headless Chromium: set NOTEDECK_CHROMIUM"
)]
fn the_preview_counts_filters_and_switches_night_mode() {
    let project = Project::empty();
    project.write_note("日本語.md", JAPANESE);
    project.write_note("aws.md", AWS);
    project.run(&["build"]).ok();
    let cards = common::card_count(&project.index()) as usize;
    assert_eq!(cards, 5);
    let run = project.run(&["preview"]);
    assert!(run.ok().starts_with("5 cards · "), "{}", run.stdout());
    let page = project.dir.path().join("out/preview.html");

    let all = open(&page, "night=0");
    assert_eq!(all.count_text, "5 cards");
    assert_eq!((all.shown, all.articles, all.visible), (5, 5, 5));
    assert!(!all.night);

    for (fragment, shown) in [
        ("q=かんじ&night=1", 1),
        ("q=漢字", 1),
        ("q=サービス", 2),
        ("q=西の大阪は", 1),
        ("q=ｓｅｒｖｉｃｅ%20監視", 0),
        ("deck=AWS", 2),
        ("tag=41", 2),
        ("deck=日本語&q=首都", 1),
    ] {
        let filtered = open(&page, fragment);
        assert_eq!(filtered.shown, shown, "{fragment}");
        assert_eq!(filtered.visible, shown, "{fragment}");
        assert_eq!(filtered.articles, 5, "{fragment}");
        assert_eq!(
            filtered.count_text,
            format!("{shown} of 5 cards"),
            "{fragment}"
        );
    }
    assert!(open(&page, "q=かんじ&night=1").night);

    let shots = tempfile::tempdir().unwrap();
    let (day, night) = (shots.path().join("day.png"), shots.path().join("night.png"));
    browser::screenshot(&browser::file_url(&page, "night=0"), &day, 900, 700);
    browser::screenshot(&browser::file_url(&page, "night=1"), &night, 900, 700);
    assert_ne!(std::fs::read(day).unwrap(), std::fs::read(night).unwrap());
}

/// Each card Anki makes is one in the page, with its note type's own
/// templates: a cloze note's card a gap, a reversed note's two cards, a
/// typed-in card's box; the search finds them all by the note's text.
#[test]
#[cfg_attr(
    not(browser),
    ignore = "needs headless Chromium: set NOTEDECK_CHROMIUM"
)]
fn the_preview_shows_every_card_of_cloze_reversed_and_type_in_notes() {
    let project = Project::empty();
    project.write_note(
        "理科.md",
        "# 理科\n\n- 光合成: 植物が==光==を使って==二酸化炭素==から糖を作る\n",
    );
    project.write_note(
        "逆.md",
        "---\nnotedeck: {reverse: true}\n---\n# 逆\n\n- 表: 裏の説明\n",
    );
    project.write_note(
        "入力.md",
        "---\nnotedeck: {type_in: true}\n---\n- 犬: dog\n",
    );
    project.run(&["build"]).ok();
    assert!(project.run(&["preview"]).ok().starts_with("5 cards · "));
    let page = project.dir.path().join("out/preview.html");
    let all = open(&page, "");
    assert_eq!((all.shown, all.articles, all.visible), (5, 5, 5));
    let dom = browser::dom(&browser::file_url(&page, ""));
    assert_eq!(dom.matches("<span class=\"cloze\">[...]</span>").count(), 2);
    assert!(dom.contains("<span class=\"cloze\">二酸化炭素</span>"));
    assert_eq!(dom.matches("class=\"pv-typeans\"").count(), 2, "both sides");
    assert_eq!(open(&page, "q=光合成").shown, 2);
    assert_eq!(open(&page, "q=裏の説明").shown, 2);
}
