//! `notedeck preview`: the page in headless Chromium, as a learner opens
//! it: every card counted and shown, search and filters narrowing the list
//! (set through the URL fragment the page reads), day and night; and none
//! of what a stranger's notes hold running or reaching the network.

#[path = "common/browser.rs"]
mod browser;
mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

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

/// A topic lists the cards nested under it by their fronts: the page shows
/// the child's front in the topic's back, and a search for the child's own
/// words finds the child's card alone.
#[test]
#[cfg_attr(
    not(browser),
    ignore = "needs headless Chromium: set NOTEDECK_CHROMIUM"
)]
fn a_topic_shows_its_cards_by_their_fronts_and_search_finds_each_by_its_own_words() {
    let project = Project::empty();
    project.write_note(
        "ssm.md",
        "# SSM\n\n- Session Manager\n  - 踏み台ホストなしで接続できる。\n  - SSM Agent: インスタンスで動くソフトウェア\n",
    );
    project.run(&["build"]).ok();
    assert!(project.run(&["preview"]).ok().starts_with("2 cards · "));
    let page = project.dir.path().join("out/preview.html");
    let dom = browser::dom(&browser::file_url(&page, ""));
    assert!(dom.contains("<li>SSM Agent</li>"), "{dom}");
    assert_eq!(open(&page, "q=ソフトウェア").shown, 1);
    assert_eq!(open(&page, "q=踏み台ホスト").shown, 1);
}

/// Notes as a stranger may write them: each tries to run a script that
/// leaves a mark in the DOM (an element `<ran-NAME>`, written so that the
/// notes' text never holds it), from a back, a reversed card's front,
/// ruby, a cloze gap, `<details ontoggle>`, a `javascript:` frame and link.
const HOSTILE: &str = "# 罠\n\n\
- 台本: 本文<script>document.body.appendChild(document.createElement('ran-' + 'script'))</script>\n\
- 画像: 絵 <img src=x onerror=\"document.body.appendChild(document.createElement('ran-' + 'onerror'))\">\n\
- 振り仮名: {漢字|<img src=x onerror=\"document.body.appendChild(document.createElement('ran-' + 'ruby'))\">} と 漢字[かん<img src=x onerror=\"document.body.appendChild(document.createElement('ran-' + 'reading'))\">じ]\n\
- 穴: ==<img src=x onerror=\"document.body.appendChild(document.createElement('ran-' + 'cloze'))\">== の中\n\
- 詳細: 絵 <details open ontoggle=\"document.body.appendChild(document.createElement('ran-' + 'toggle'))\"><summary>開く</summary>中身</details>\n\
- 枠: 絵 <iframe src=\"javascript:parent.document.body.appendChild(parent.document.createElement('ran-' + 'frame'))\"></iframe>\n\
- リンク: 絵 <a href=\"javascript:document.title='clicked'\">押す</a>\n";

/// A reversed note: its back is the front of its second card.
const HOSTILE_REVERSED: &str = "---\nnotedeck: {reverse: true}\n---\n# 逆\n\n\
- 表: 絵 <img src=x onerror=\"document.body.appendChild(document.createElement('ran-' + 'front'))\">裏\n";

#[test]
#[cfg_attr(
    not(browser),
    ignore = "needs headless Chromium: set NOTEDECK_CHROMIUM"
)]
fn the_preview_runs_no_script_of_the_notes_and_still_its_own() {
    let project = Project::empty();
    project.write_note("罠.md", HOSTILE);
    project.write_note("逆.md", HOSTILE_REVERSED);
    project.write_note("日本語.md", JAPANESE);
    project.run(&["build"]).ok();
    let summary = project.run(&["preview"]).ok();
    assert!(summary.starts_with("12 cards · "), "{summary}");
    let page = project.dir.path().join("out/preview.html");

    let dom = browser::dom(&browser::file_url(&page, ""));
    for name in [
        "script", "onerror", "ruby", "reading", "cloze", "toggle", "frame", "front",
    ] {
        assert!(!dom.contains(&format!("<ran-{name}")), "the {name} ran");
    }
    assert!(dom.contains("<title>notedeck preview</title>"));
    assert!(
        !dom.contains("href=\"javascript:"),
        "a javascript: link is left"
    );
    assert!(
        dom.contains("押す") && dom.contains("中身"),
        "the text stays"
    );

    let all = open(&page, "");
    assert_eq!((all.shown, all.articles, all.visible), (12, 12, 12));
    assert_eq!(open(&page, "q=とうきょう").shown, 1, "search works");
    assert_eq!(open(&page, "deck=逆").shown, 2, "filters work");
}

/// Counts the connections made to a loopback port while it lives; each is
/// closed at once, so a browser waits for none.
struct Listener {
    port: u16,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Listener {
    fn start() -> Listener {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let (connections, stop) = (
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicBool::new(false)),
        );
        let (counted, stopped) = (connections.clone(), stop.clone());
        std::thread::spawn(move || {
            // Bounded: a test that hangs elsewhere leaves no thread behind.
            let deadline = Instant::now() + Duration::from_secs(120);
            while !stopped.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok(_) => {
                        counted.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Listener {
            port,
            connections,
            stop,
        }
    }

    fn connections(&self) -> usize {
        // What is queued still is accepted on the next round.
        std::thread::sleep(Duration::from_millis(100));
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Every way a note could reach the network when the page opens: an
/// image, a script's fetch, a refresh, a base for relative images, a
/// frame, a preload, a style's background, a form sent by a script.
fn reaching_notes(port: u16) -> String {
    let at = format!("http://127.0.0.1:{port}");
    format!(
        "# 外\n\n\
- 画像: 文 <img src=\"{at}/img.png\">\n\
- 取得: 文 <script>fetch('{at}/fetch', {{mode: 'no-cors'}}); new Image().src = '{at}/new-image.png'</script>\n\
- 更新: 文 <meta http-equiv=\"refresh\" content=\"0;url={at}/refresh\">\n\
- 基底: 文 <base href=\"{at}/\"><img src=\"relative.png\">\n\
- 枠: 文 <iframe src=\"{at}/frame\"></iframe><object data=\"{at}/object\"></object>\n\
- 先読み: 文 <link rel=\"preload\" as=\"image\" href=\"{at}/preload.png\"><link rel=\"stylesheet\" href=\"{at}/style.css\">\n\
- 背景: 文 <span style=\"background-image: url('{at}/background.png')\">背景</span><style>body {{ background: url('{at}/style-element.png') }}</style>\n\
- 送信: 文 <form action=\"{at}/form\" method=\"post\"><input name=\"q\" value=\"秘密\"></form><img src=x onerror=\"document.forms[0].submit()\">\n\
- 動画: 文 <video poster=\"{at}/poster.png\" src=\"{at}/video.mp4\"></video><img srcset=\"{at}/srcset.png 1x\">\n\
- 閉じ: 終わり</div></div></article></main><article class=\"pv-card\">偽物</article>\n"
    )
}

#[test]
#[cfg_attr(
    not(browser),
    ignore = "needs headless Chromium: set NOTEDECK_CHROMIUM"
)]
fn the_preview_reaches_no_network_even_with_remote_images() {
    let listener = Listener::start();
    let project = Project::empty();
    project.write_note("外.md", reaching_notes(listener.port));
    project.run(&["build"]).ok();
    let page = project.dir.path().join("out/preview.html");
    for flags in [&["preview"][..], &["preview", "--remote-images"]] {
        let summary = project.run(flags).ok();
        assert!(summary.starts_with("10 cards · "), "{flags:?}: {summary}");
        let dom = browser::dom(&browser::file_url(&page, ""));
        assert_eq!(listener.connections(), 0, "{flags:?}: the page went online");
        let shown = browser::attribute(&dom, "id=\"pv-count\"", "data-shown");
        assert_eq!(
            shown.as_deref(),
            Some("10"),
            "{flags:?}: no note adds a card"
        );
        assert!(
            dom.rfind("</article>") < dom.find("</main>"),
            "{flags:?}: no note leaves the list"
        );
    }
}

const REMOTE: &str =
    "# 遠く\n\n- 図: 絵 <img src=\"https://example.invalid/pic.png\" alt=\"図\">\n";

#[test]
#[cfg_attr(
    not(browser),
    ignore = "needs headless Chromium: set NOTEDECK_CHROMIUM"
)]
fn remote_images_show_as_links_unless_asked_for() {
    let project = Project::empty();
    project.write_note("遠く.md", REMOTE);
    project.run(&["build"]).ok();
    let page = project.dir.path().join("out/preview.html");
    let url = "https://example.invalid/pic.png";

    project.run(&["preview"]).ok();
    let dom = browser::dom(&browser::file_url(&page, ""));
    assert!(!dom.contains(&format!("<img src=\"{url}\"")), "{dom}");
    let link = dom.find(&format!(">{url}</a>")).expect("the address shown");
    let tag = dom[..link].rfind("<a ").expect("a link");
    assert_eq!(
        browser::attribute(&dom[tag..], "<a ", "href").as_deref(),
        Some(url),
        "and clickable"
    );

    project.run(&["preview", "--remote-images"]).ok();
    let dom = browser::dom(&browser::file_url(&page, ""));
    assert!(dom.contains(&format!("<img src=\"{url}\"")), "{dom}");
    let policy = content_security_policy(&std::fs::read_to_string(&page).unwrap());
    assert_eq!(policy["img-src"], ["data:", "https:"]);
}

/// The directives of the page's Content-Security-Policy, which must be the
/// first element of its head.
fn content_security_policy(html: &str) -> std::collections::HashMap<String, Vec<String>> {
    let meta = "<head><meta http-equiv=\"Content-Security-Policy\" content=\"";
    let start = html.find(meta).expect("the policy first in the head") + meta.len();
    let policy = &html[start..start + html[start..].find('"').unwrap()];
    policy
        .split(';')
        .filter_map(|directive| {
            let mut words = directive.split_whitespace().map(String::from);
            Some((words.next()?, words.collect()))
        })
        .collect()
}

/// The page allows its own script (by hash), no other, and nothing from
/// outside: what a browser enforces when it opens the page.
#[test]
fn the_page_allows_only_its_own_script_and_nothing_from_outside() {
    use base64::Engine as _;
    use sha2::Digest as _;

    let project = Project::empty();
    project.write_note("罠.md", HOSTILE);
    project.run(&["build"]).ok();
    project.run(&["preview"]).ok();
    let html = std::fs::read_to_string(project.dir.path().join("out/preview.html")).unwrap();
    let policy = content_security_policy(&html);

    assert_eq!(
        html.matches("<script").count(),
        1,
        "the page's own script alone"
    );
    let start = html.find("<script>").unwrap() + "<script>".len();
    let script = &html[start..start + html[start..].find("</script>").unwrap()];
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script));
    assert_eq!(policy["script-src"], [format!("'sha256-{hash}'")]);
    for (directive, sources) in [
        ("default-src", &["'none'"][..]),
        ("img-src", &["data:"]),
        ("media-src", &["data:"]),
        ("connect-src", &["'none'"]),
        ("form-action", &["'none'"]),
        ("base-uri", &["'none'"]),
    ] {
        assert_eq!(policy[directive], sources, "{directive}");
    }
    assert!(!html.contains("onerror") && !html.contains("javascript:"));
}
