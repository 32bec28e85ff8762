//! `notedeck search` on a copy of `notes/`: what a reader expects is found.

mod common;

use common::Project;
use notedeck::japanese::fold;
use serde_json::Value;

/// Cards the repository's note may not yield with every extractor, in a note
/// of `- term: definition` lines that any extractor reads.
const FIXTURE: &str = "# Fixture\n\n\
- オペレーティングシステム: コンピュータを管理するソフトウェア\n\
- ロードバランサーの種類: ALB と NLB がある\n\
- ALB: アプリケーション層で振り分ける。ロードバランサーの種類の一つ\n";

/// The notes with the fixture, built: search reads the index a build made.
fn project() -> Project {
    let project = Project::with_notes();
    project.write_note("fixture/fixture.md", FIXTURE);
    project.run(&["build"]).ok();
    project
}

/// The hits of a query as JSON objects; none when it exits 1.
fn hits(project: &Project, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["search", "--json", "--limit", "200"];
    all.extend_from_slice(args);
    let run = project.run(&all);
    if run.code() == 1 && run.stderr().contains("no cards match") {
        return Vec::new();
    }
    run.ok()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// A hit's searchable text (front, context, back), folded.
fn text(hit: &Value) -> String {
    let context: Vec<&str> = hit["context"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    fold(&format!(
        "{} {} {}",
        hit["front"].as_str().unwrap(),
        context.join(" "),
        hit["back"].as_str().unwrap()
    ))
}

fn front(hit: &Value) -> &str {
    hit["front"].as_str().unwrap()
}

/// Asserts that the query finds something and every hit contains all `words`.
fn assert_finds(project: &Project, query: &str, words: &[&str]) -> Vec<Value> {
    let found = hits(project, &[query]);
    assert!(!found.is_empty(), "{query}: nothing found");
    for hit in &found {
        for word in words {
            assert!(
                text(hit).contains(&fold(word)),
                "{query}: {} lacks {word}",
                front(hit)
            );
        }
    }
    found
}

#[test]
fn two_kanji_inside_sentences_are_found() {
    let project = project();
    let found = assert_finds(&project, "監視", &["監視"]);
    let all = std::fs::read_to_string(project.notes().join("CloudLicence.md")).unwrap();
    assert!(
        all.matches("監視").count() > 1 && found.len() > 1,
        "{found:?}"
    );
}

#[test]
fn one_kanji_is_found_as_a_prefix_and_at_a_run_end() {
    let project = project();
    let found = assert_finds(&project, "監", &["監"]);
    assert!(found.iter().any(|hit| text(hit).contains("監視")));
    // `視` ends the run in `評価、監視`: found by the run's last character.
    assert_finds(&project, "視", &["視"]);
}

#[test]
fn katakana_and_width_variants_are_found() {
    let project = project();
    assert_finds(&project, "キュー", &["キュー"]);
    let full = assert_finds(&project, "ＤＬＱ", &["dlq"]);
    let guids = |hits: &[Value]| hits.iter().map(|h| h["guid"].clone()).collect::<Vec<_>>();
    assert_eq!(guids(&full), guids(&hits(&project, &["dlq"])));
    let half = assert_finds(&project, "ｼｽﾃﾑ", &["システム"]);
    assert!(half
        .iter()
        .any(|hit| front(hit) == "オペレーティングシステム"));
}

#[test]
fn latin_words_hyphens_and_numbers_are_found() {
    let project = project();
    assert_finds(&project, "cfn-signal", &["cfn-signal"]);
    assert_finds(&project, "Systems Manager", &["systems", "manager"]);
    assert_finds(&project, "ポート 443", &["ポート", "443"]);
}

#[test]
fn a_card_whose_front_is_the_query_comes_first() {
    let project = project();
    let found = hits(&project, &["cfn-signal"]);
    assert_eq!(front(&found[0]), "cfn-signal");
    assert!(found.len() > 1);
}

#[test]
fn a_match_in_the_front_outranks_one_in_the_back() {
    let project = project();
    let found = hits(&project, &["種類"]);
    let fronts: Vec<&str> = found.iter().map(front).collect();
    let in_front = fronts
        .iter()
        .position(|f| *f == "ロードバランサーの種類")
        .unwrap();
    let in_back = fronts.iter().position(|f| *f == "ALB").unwrap();
    assert!(in_front < in_back, "{fronts:?}");
    assert!(found[in_front]["score"].as_f64() > found[in_back]["score"].as_f64());
}

/// A card that mentions a word under a heading of it and over and over in
/// its back, against one with the word once in a long front: bm25 alone,
/// even with the front weighted, puts the first above the second.
const TIERS: &str = "# 用語集\n\n## 階層順位の話\n\n\
- 別の用語: 階層順位は階層順位で、階層順位を階層順位にする階層順位\n\n## 他の話\n\n\
- 見出しがとても長い用語で、説明のような文が続き、そのなかほどに階層順位という語があり、\
さらに説明のような文が長く長く続いていく、とても長い長い見出しの用語の例として書かれたもの: 短い\n";

#[test]
fn any_front_match_outranks_matches_elsewhere() {
    let project = project();
    project.write_note("tiers.md", TIERS);
    project.run(&["build"]).ok();
    let found = hits(&project, &["階層順位"]);
    let fronts: Vec<&str> = found.iter().map(front).collect();
    let in_front = fronts
        .iter()
        .position(|f| f.starts_with("見出しがとても長い用語"))
        .unwrap();
    let in_back = fronts.iter().position(|f| *f == "別の用語").unwrap();
    assert!(in_front < in_back, "{fronts:?}");
    assert!(found[in_front]["score"].as_f64() > found[in_back]["score"].as_f64());
}

#[test]
fn phrases_exclusions_and_front_only() {
    let project = project();
    assert_finds(&project, "\"Systems Manager\"", &["systems manager"]);

    let queue = hits(&project, &["キュー"]);
    let without = hits(&project, &["キュー -デッド"]);
    assert!(!without.is_empty() && without.len() < queue.len());
    assert!(without.iter().all(|hit| !text(hit).contains("デッド")));

    let anywhere = hits(&project, &["cfn-signal"]);
    let fronts = hits(&project, &["front:cfn-signal"]);
    assert!(!fronts.is_empty() && fronts.len() < anywhere.len());
    assert!(fronts.iter().all(|hit| front(hit).contains("cfn-signal")));
}

#[test]
fn deck_tag_and_kind_filter() {
    let project = project();
    let all = hits(&project, &["ロードバランサー"]);
    let deck = all[0]["deck"].as_str().unwrap().to_string();
    let in_deck = hits(&project, &["ロードバランサー", "--deck", &deck]);
    assert!(!in_deck.is_empty() && in_deck.iter().all(|hit| hit["deck"] == deck.as_str()));

    let kind = all[0]["kind"].as_str().unwrap().to_string();
    let of_kind = hits(&project, &["ロードバランサー", "--kind", &kind]);
    assert!(!of_kind.is_empty() && of_kind.iter().all(|hit| hit["kind"] == kind.as_str()));

    assert!(hits(&project, &["監視", "--tag", "no-such-tag"]).is_empty());
    // Tags come from headings: filter by one a hit has, when the extractor makes them.
    let tagged = hits(&project, &["監視"]);
    if let Some(tag) = tagged.iter().find_map(|hit| hit["tags"][0].as_str()) {
        let with_tag = hits(&project, &["監視", "--tag", tag]);
        assert!(!with_tag.is_empty());
        assert!(with_tag.iter().all(|hit| hit["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == tag)));
    }
}

#[test]
fn json_has_the_extract_keys_then_score_and_snippet() {
    let project = project();
    let run = project.run(&["search", "--json", "cfn-signal"]);
    let line = run.ok().lines().next().unwrap().to_string();
    let object: serde_json::Map<String, Value> = serde_json::from_str(&line).unwrap();
    // serde_json's map sorts keys: read the order from the text itself.
    let keys = [
        "guid",
        "deck",
        "front",
        "back",
        "back_html",
        "context",
        "tags",
        "kind",
        "file",
        "line",
        "score",
        "snippet",
    ];
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| line.find(&format!("\"{k}\":")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{line}");
    assert_eq!(object.len(), keys.len());
    assert!(object["score"].as_f64().unwrap() > 0.0);
}

#[test]
fn text_output_names_the_card_and_is_plain_on_a_pipe() {
    let project = project();
    let out = project.run(&["search", "監視", "--limit", "1"]).ok();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[1].contains("CloudLicence.md:"), "{out}");
    assert!(lines[2].contains("監視"), "{out}");
    assert!(!out.contains('\x1b'), "no escape codes on a pipe");
}

#[test]
fn a_terminal_gets_bold_matches_and_lines_that_fit_unless_no_color() {
    let project = project();
    project.run(&["build"]).ok();
    let Some(out) = project.on_terminal(40, "", "search 監視 2>/dev/null") else {
        eprintln!("skipped: no `script` to make a terminal");
        return;
    };
    assert!(out.contains("\x1b[1m監視\x1b[0m"), "{out:?}");
    for line in out.lines() {
        let plain = line.replace("\x1b[1m", "").replace("\x1b[0m", "");
        let columns = unicode_width::UnicodeWidthStr::width(plain.trim_end_matches('\r'));
        assert!(columns <= 40, "{columns} columns: {plain}");
    }
    let plain = project
        .on_terminal(40, "NO_COLOR=1", "search 監視 2>/dev/null")
        .unwrap();
    assert!(!plain.contains('\x1b'), "{plain:?}");
}

#[test]
fn no_match_says_so_and_exits_1() {
    let project = project();
    let run = project.run(&["search", "存在しない語句"]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("no cards match"), "{}", run.stderr());
    assert!(run.stdout().is_empty());
}

#[test]
fn changed_and_removed_cards_leave_the_index_at_the_next_build() {
    let project = project();
    project.write_note("late.md", "- 消える用語: 説明\n- 残る用語: 古い説明\n");
    project.run(&["build"]).ok();
    project.write_note("late.md", "- 残る用語: 新しい説明\n");
    project.run(&["build"]).ok();
    assert!(hits(&project, &["消える"]).is_empty());
    assert!(hits(&project, &["古い説明"]).is_empty());
    let kept = hits(&project, &["残る用語"]);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0]["back"], "新しい説明");
}

#[test]
fn without_an_index_search_says_to_build_first() {
    let project = Project::with_notes();
    let run = project.run(&["search", "監視"]);
    assert_ne!(run.code(), 0);
    assert!(
        run.stderr()
            .contains("out/index.sqlite: no index here yet; run `notedeck build` first"),
        "{}",
        run.stderr()
    );
    assert!(!project.dir.path().join("out").exists(), "nothing written");
}

/// A word in the backs of more cards than search ranks by bm25
/// (`search::BODY_RANKED`): the cards a deck or an exclusion leaves are
/// still all found, however early they were added.
#[test]
fn a_word_in_thousands_of_cards_still_finds_the_cards_filters_leave() {
    let project = Project::empty();
    project.write_note(
        "old.md",
        "# 古い\n\n- 古い用語: 共通の語と古い説明\n- 昔の用語: 共通の語と古い説明\n",
    );
    project.run(&["build"]).ok();
    let many: String = (0..2500)
        .map(|i| format!("- 用語{i}: 共通の語と新しい説明\n"))
        .collect();
    project.write_note("new.md", format!("# 新しい\n\n{many}"));
    project.run(&["build"]).ok();

    let all = hits(&project, &["共通"]);
    assert_eq!(all.len(), 200);
    assert!(all.iter().all(|hit| text(hit).contains("共通")));
    for args in [&["共通", "--deck", "古い"][..], &["共通 -新しい"]] {
        let mut fronts: Vec<&str> = Vec::new();
        let found = hits(&project, args);
        fronts.extend(found.iter().map(front));
        fronts.sort();
        assert_eq!(fronts, ["古い用語", "昔の用語"], "{args:?}");
    }
}

/// A note that holds one spelling of each word: search finds it by the others.
const SPELLINGS: &str = "# 表記\n\n\
- ユーザ管理: 利用者のアカウントを扱う\n\
- プロキシサーバー: 通信を中継する\n\
- コンピュータウイルス: 悪意のあるプログラム\n\
- メモリー: 記憶装置\n\
- バイオリン: 弦楽器\n\
- ヴィデオ: 映像\n\
- 手順書: 処理を行なう手順をまとめたもの\n\
- 申し込み受付: 窓口で受け付ける\n\
- 取り扱い説明: 使い方を書いた文書\n\
- 終わりの処理: 最後に片付ける\n\
- 髙橋方式: 方式の一つ\n\
- 渡邊の定理: 定理の一つ\n\
- 﨑山: 人名\n\
- 齋藤: 人名\n\
- インスタンス: 仮想マシンの実体\n\
- キーバリューストア: キーと値の組を保存するデータベース\n\
- サーブ: テニスの打ち方\n\
- キャッシュ: 一時的な保存\n\
- 高速化: 速くすること\n\
- 移行など: 移行の作業\n";

fn spellings() -> Project {
    let project = Project::empty();
    project.write_note("spellings.md", SPELLINGS);
    project.run(&["build"]).ok();
    project
}

/// The fronts a query finds, sorted.
fn fronts_found(project: &Project, query: &str) -> Vec<String> {
    let mut fronts: Vec<String> = hits(project, &[query])
        .iter()
        .map(|hit| front(hit).to_string())
        .collect();
    fronts.sort();
    fronts
}

fn assert_found_alone(project: &Project, query: &str, card: &str) {
    assert_eq!(fronts_found(project, query), [card], "{query}");
}

#[test]
fn long_vowel_marks_written_or_dropped_find_each_other() {
    let project = spellings();
    assert_found_alone(&project, "ユーザー", "ユーザ管理");
    assert_found_alone(&project, "ユーザー管理", "ユーザ管理");
    assert_found_alone(&project, "ユーザ－", "ユーザ管理");
    assert_found_alone(&project, "プロキシサーバ", "プロキシサーバー");
    assert_found_alone(&project, "コンピューター", "コンピュータウイルス");
    assert_found_alone(&project, "メモリ", "メモリー");
    // A mark inside a word is kept: `サーバー` is not `サーブ`, and a
    // word of two kana keeps its own (`キー` is not any `キ`).
    assert_found_alone(&project, "サーバー", "プロキシサーバー");
    assert_eq!(fronts_found(&project, "キー"), ["キーバリューストア"]);
}

#[test]
fn v_syllables_find_their_b_row_spelling() {
    let project = spellings();
    assert_found_alone(&project, "ヴァイオリン", "バイオリン");
    assert_found_alone(&project, "ビデオ", "ヴィデオ");
}

#[test]
fn okurigana_written_or_left_out_find_each_other() {
    let project = spellings();
    assert_found_alone(&project, "行う", "手順書");
    assert_found_alone(&project, "申込み", "申し込み受付");
    assert_found_alone(&project, "申込", "申し込み受付");
    assert_found_alone(&project, "申込受付", "申し込み受付");
    assert_found_alone(&project, "取扱説明", "取り扱い説明");
    assert_found_alone(&project, "取扱い", "取り扱い説明");
    assert_found_alone(&project, "終り", "終わりの処理");
    // `など` after `移行` is no okurigana of it.
    assert_found_alone(&project, "移行など", "移行など");
    assert_found_alone(&project, "など", "移行など");
}

#[test]
fn variant_kanji_find_their_common_form_and_only_it() {
    let project = spellings();
    assert_found_alone(&project, "高橋", "髙橋方式");
    assert_found_alone(&project, "渡辺", "渡邊の定理");
    assert_found_alone(&project, "渡邉", "渡邊の定理");
    assert_found_alone(&project, "崎山", "﨑山");
    assert_found_alone(&project, "斎藤", "齋藤");
    // One kanji finds the cards holding it in either form, no others.
    assert_eq!(fronts_found(&project, "高"), ["高速化", "髙橋方式"]);
}

#[test]
fn hiragana_queries_find_katakana_and_particles_stay_particles() {
    let project = spellings();
    assert_found_alone(&project, "いんすたんす", "インスタンス");
    assert_found_alone(&project, "きーばりゅー", "キーバリューストア");
    assert_found_alone(&project, "渡辺の定理", "渡邊の定理");
    // A particle matches where it is written, not every card.
    let with_no: Vec<String> = fronts_found(&project, "の");
    assert_eq!(
        with_no,
        [
            "インスタンス",
            "キーバリューストア",
            "コンピュータウイルス",
            "サーブ",
            "ユーザ管理",
            "手順書",
            "渡邊の定理",
            "移行など",
            "終わりの処理",
            "髙橋方式",
        ]
    );
}

#[test]
fn matches_are_shown_as_the_notes_spell_them() {
    let project = spellings();
    assert_found_alone(&project, "高橋", "髙橋方式");
    let Some(out) = project.on_terminal(60, "", "search 高橋 2>/dev/null") else {
        eprintln!("skipped: no `script` to make a terminal");
        return;
    };
    assert!(out.contains("\x1b[1m髙橋\x1b[0m方式"), "{out:?}");
    let out = project
        .on_terminal(60, "", "search 申込 2>/dev/null")
        .unwrap();
    assert!(out.contains("\x1b[1m申し込\x1b[0mみ受付"), "{out:?}");
    let out = project
        .on_terminal(60, "", "search 行う 2>/dev/null")
        .unwrap();
    assert!(out.contains("処理を\x1b[1m行なう\x1b[0m手順"), "{out:?}");
}

#[test]
fn an_index_made_before_the_spellings_were_folded_makes_its_tokens_again() {
    let project = spellings();
    let guids = |project: &Project| -> Vec<String> {
        let index = project.index();
        let mut stmt = index
            .prepare("SELECT guid FROM cards ORDER BY guid")
            .unwrap();
        let rows = stmt.query_map([], |row| row.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    };
    let before = guids(&project);
    // As an older notedeck left it: tokens of its own, and no word of
    // which tokenizer made them.
    project
        .index()
        .execute_batch(
            "INSERT INTO cards_fts (cards_fts) VALUES ('delete-all');
             INSERT INTO fronts_fts (fronts_fts) VALUES ('delete-all');
             DELETE FROM meta WHERE name = 'tokens';
             UPDATE cards SET front_key = front;",
        )
        .unwrap();
    let stale = project.run(&["search", "高橋"]);
    assert!(
        stale
            .stderr()
            .contains("search tokens were made by an earlier notedeck"),
        "{}",
        stale.stderr()
    );
    let out = project.run(&["build"]).ok();
    assert!(
        out.contains("(0 new, 0 changed, 0 moved, 0 renamed, 0 removed) · no output rewritten"),
        "{out}"
    );
    assert_found_alone(&project, "高橋", "髙橋方式");
    assert_found_alone(&project, "front:ユーザー", "ユーザ管理");
    let exact = hits(&project, &["ユーザー管理"]);
    assert!(exact[0]["score"].as_f64().unwrap() >= 3.0, "{exact:?}");
    assert_eq!(guids(&project), before);
    common::assert_index_sound(&project.index());
    let fresh = project.run(&["search", "高橋"]);
    assert!(fresh.stderr().is_empty(), "{}", fresh.stderr());
}

#[test]
fn a_front_in_another_spelling_of_the_query_ranks_as_the_query() {
    let project = Project::empty();
    project.write_note(
        "fronts.md",
        "# 表記\n\n- ユーザー管理の手引き: 管理の話\n- ユーザ: 利用する人\n",
    );
    project.run(&["build"]).ok();
    let found = hits(&project, &["ユーザー"]);
    let fronts: Vec<&str> = found.iter().map(front).collect();
    assert_eq!(fronts, ["ユーザ", "ユーザー管理の手引き"]);
    assert!(found[0]["score"].as_f64().unwrap() >= 3.0, "{found:?}");
}
