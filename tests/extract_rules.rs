//! The rules of docs/extraction.md, one behaviour a test, on small notes;
//! each rule there names the tests that pin it.

use notedeck::card::{Card, Kind};
use notedeck::extract::extract_note;

fn cards(text: &str) -> Vec<Card> {
    extract_note("note.md", text)
}

fn fronts(text: &str) -> Vec<String> {
    cards(text).into_iter().map(|c| c.front).collect()
}

fn card<'a>(cards: &'a [Card], front: &str) -> &'a Card {
    cards
        .iter()
        .find(|c| c.front == front)
        .unwrap_or_else(|| panic!("no card {front:?} in {cards:#?}"))
}

#[test]
fn terms_with_ascii_and_full_width_separators() {
    let cards = cards("- Permissions Boundary: IAM ユーザの権限の上限\n- ヒューリスティック：経験則\n- AWS Config : 設定の評価\n");
    assert_eq!(cards.len(), 3);
    assert_eq!(
        card(&cards, "Permissions Boundary").back,
        "IAM ユーザの権限の上限"
    );
    assert_eq!(card(&cards, "ヒューリスティック").kind, Kind::Term);
    assert_eq!(card(&cards, "AWS Config").back, "設定の評価");
}

#[test]
fn a_back_holds_its_own_text_and_the_cards_under_it_by_their_fronts() {
    let cards = cards(
        "- Hadoop: 並列分散処理基盤\n  - HDFS: 分散ファイルシステム\n    - ブロック: 128MB\n\
         \x20 - 次のように使われる。\n    - ログの集計\n  - MapReduce_v2 は、処理の *仕組み*。\n",
    );
    let hadoop = card(&cards, "Hadoop");
    // HDFS's definition and what is under it are HDFS's card; the text
    // under Hadoop that made no card stays whole.
    assert_eq!(
        hadoop.back,
        "並列分散処理基盤\n- HDFS\n- 次のように使われる。\n  - ログの集計\n- MapReduce_v2"
    );
    assert!(
        hadoop
            .back_html
            .contains("<ul>\n<li>HDFS</li>\n<li>次のように使われる。\n<ul>"),
        "{}",
        hadoop.back_html
    );
    // A front is shown as written, never read as Markdown.
    assert!(
        hadoop.back_html.contains("<li>MapReduce_v2</li>"),
        "{}",
        hadoop.back_html
    );
    assert_eq!(
        card(&cards, "HDFS").back,
        "分散ファイルシステム\n- ブロック"
    );
    assert_eq!(card(&cards, "ブロック").back, "128MB");
    assert_eq!(*card(&cards, "ブロック").context, ["Hadoop", "HDFS"]);
}

#[test]
fn a_sentence_that_announces_the_list_under_it_fronts_its_topic() {
    let cards = cards(
        "- AWS Systems Manager は、以下の方法で通信を確立できます：\n\
         \x20 - インターネット経由: ポート 443 でパブリックエンドポイントと通信する\n\
         \x20 - VPC エンドポイント経由: インターネットを経由しない\n\
         - ELB には、以下の 2 つの IP アドレスタイプがあります：\n\
         \x20 - IPv4: デフォルトの設定\n\
         - Kubernetesとは、コンテナを管理するサービス。以下のような機能がある。\n\
         \x20 - オートスケール: 負荷に応じて増減する\n",
    );
    let lead_in = "AWS Systems Manager は、以下の方法で通信を確立できます";
    assert_eq!(card(&cards, lead_in).kind, Kind::Topic);
    assert_eq!(
        card(&cards, lead_in).back,
        "- インターネット経由\n- VPC エンドポイント経由"
    );
    assert_eq!(*card(&cards, "インターネット経由").context, [lead_in]);
    assert_eq!(
        *card(&cards, "IPv4").context,
        ["ELB には、以下の 2 つの IP アドレスタイプがあります"]
    );
    // A definition before the announcement still defines its name.
    assert_eq!(card(&cards, "Kubernetes").kind, Kind::Term);
}

#[test]
fn a_bullet_that_numbers_its_step_is_one_item_in_a_back() {
    let cards = cards(
        "- 手動によるデプロイ\n  - 1. セットアップ\n    - 有効化: コンソールで有効にする\n\
         \x20 - 2) ロールの作成\n  - ```\n    - 3. コードの中\n    ```\n",
    );
    let topic = card(&cards, "手動によるデプロイ");
    assert_eq!(
        topic.back,
        "- 1. セットアップ\n  - 有効化\n- 2) ロールの作成\n- - 3. コードの中"
    );
    assert!(
        topic.back_html.contains("<li>1. セットアップ\n<ul>"),
        "{}",
        topic.back_html
    );
    assert!(
        topic.back_html.contains("- 3. コードの中"),
        "code stays as written: {}",
        topic.back_html
    );
}

#[test]
fn a_topic_lists_two_cards_of_one_name_once() {
    let cards = cards(
        "## 開発の文化\n\n- DevOps: 価値を届ける人、プロセス、テクノロジ\n- CI: 継続的インテグレーション\n\n\
         > DevOps は、顧客に継続的に価値を提供する人、プロセス、テクノロジの和合です。\n",
    );
    let devops = cards.iter().filter(|c| c.front == "DevOps").count();
    assert_eq!(devops, 2, "each definition keeps its card: {cards:#?}");
    assert_eq!(card(&cards, "開発の文化").back, "- DevOps\n- CI");
}

#[test]
fn topics_take_their_nested_lists() {
    let cards = cards("- Amazon GuardDuty:\n\n  - 脅威検出サービスです。\n- セキュリティインシデントと対策\n  - インシデント: 過負荷\n  - 影響: 障害が発生した\n");
    assert_eq!(card(&cards, "Amazon GuardDuty").kind, Kind::Topic);
    assert_eq!(
        card(&cards, "Amazon GuardDuty").back,
        "- 脅威検出サービスです。"
    );
    assert_eq!(
        card(&cards, "セキュリティインシデントと対策").kind,
        Kind::Topic
    );
}

#[test]
fn sentences_and_bare_labels_are_no_topics() {
    let text = "- 以下の構成で使われます。\n  - 子: 説明\n- 解決策:\n  - 手順 A\n- ステップ 1:\n  - 手順 B\n";
    assert_eq!(fronts(text), ["子"]);
}

#[test]
fn a_label_followed_by_a_title_is_a_topic_never_a_bare_label() {
    let fronts = fronts(
        "- ステップ 1: AWS Config コンフォーマンスパック\n  - パックの作成: ルールを集める\n  - パックの適用: アカウントに適用する\n",
    );
    assert_eq!(
        fronts,
        [
            "ステップ 1: AWS Config コンフォーマンスパック",
            "パックの作成",
            "パックの適用"
        ]
    );
}

#[test]
fn questions_and_exam_instructions_take_their_answers() {
    let cards = cards(
        "- どの手順を実行する必要がありますか？\n  - リードレプリカを昇格させる。\n\
         - 必要な設定項目を選択してください。\n  - Dualstack\n",
    );
    assert_eq!(cards.len(), 2);
    assert!(cards.iter().all(|c| c.kind == Kind::Qa));
    assert_eq!(cards[0].back, "- リードレプリカを昇格させる。");
}

#[test]
fn a_label_sequence_makes_one_card_and_a_numbered_run_none() {
    let text = "- エラー内容：スタックの作成で例外が発生しました。\n- 原因：権限を指定していないためです。\n  - CAPABILITY_IAM: 名前なしの IAM\n\
                \n## 別\n\n- 手順の説明\n  - シナリオ 1: 一つ目です。\n  - シナリオ 2: 二つ目です。\n";
    let cards = cards(text);
    let sequence = card(&cards, "エラー内容：スタックの作成で例外が発生しました。");
    assert_eq!(sequence.kind, Kind::Qa);
    assert!(sequence
        .back
        .contains("原因：権限を指定していないためです。"));
    assert_eq!(
        *card(&cards, "CAPABILITY_IAM").context,
        *std::slice::from_ref(&sequence.front)
    );
    assert!(cards.iter().all(|c| !c.front.starts_with("シナリオ")));
}

#[test]
fn japanese_definition_sentences() {
    let text = "- DynamoDB Streams は、変更を捕捉する機能です。\n- ホストヘッダーとは HTTP の一部\n\
                - 常に正しいとは限らない。\n- ELB には、二つのタイプがあります。\n\
                - AWS Control Tower を有効化した AWS アカウントは、管理用です。\n- DevOps エンジニアは、設定します。\n\
                - EMR は Hadoop を動かします。\n";
    let cards = cards(text);
    assert_eq!(fronts(text), ["DynamoDB Streams", "ホストヘッダー"]);
    assert_eq!(cards[0].back, "変更を捕捉する機能です。");
    assert_eq!(cards[1].back, "HTTP の一部");
}

#[test]
fn bold_terms_open_definitions_with_their_alias() {
    let text = "**汎用SSD**（gp2、gp3）は、最も一般的なタイプ。\n\n**バケットポリシー**はバケット単位で制御する。\n\n\
                また、**S3 Access Analyzer**は、監視ができる。\n\n**キャッシュ型ボリューム**では、S3 を使う。\n\n\
                **ジョブ**<br>処理を管理する。\n\n**バージョニング機能**を有効にすると複数のバージョン。\n\n\
                S3の**削除禁止機能**は途中の太字。\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        [
            "汎用SSD（gp2、gp3）",
            "バケットポリシー",
            "S3 Access Analyzer",
            "キャッシュ型ボリューム",
            "ジョブ"
        ]
    );
    assert_eq!(cards[0].back, "最も一般的なタイプ。");
    assert_eq!(cards[4].back, "処理を管理する。");
}

#[test]
fn sections_with_a_body_of_their_own_are_topics() {
    let text = "# ストレージ\n\n## 目次\n\n1. [EBS](#ebs)\n\n## EBSとは\n\n**gp3**は、汎用SSD。\n\n\
                ### バースト性能\n\nバースト性能は一時的な性能。\n\n## 41.\n\n- 用語: 定義\n\n## S3\n\n### 構成要素\n\n本文\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        ["EBS", "gp3", "バースト性能", "用語", "構成要素"]
    );
    let ebs = card(&cards, "EBS");
    assert_eq!(
        ebs.back, "- gp3\n- バースト性能",
        "a section's back holds its own body, its cards by their fronts, and its subsections' titles"
    );
    // The context keeps the heading as written; the card names the thing.
    assert_eq!(*card(&cards, "バースト性能").context, ["EBSとは"]);
    assert_eq!(*card(&cards, "用語").context, ["41."]);
    assert_eq!(*card(&cards, "用語").tags, ["41"]);
    assert!(cards.iter().all(|c| &*c.deck == "ストレージ"));
}

#[test]
fn a_childless_item_ending_with_a_separator_takes_what_follows() {
    let text = "-\u{3000} ALB + EC2 のデプロイ:\n\n- ログを監視する。\n- AWS CodeDeploy: ロールバックする。\n- 次の話題:\n- 別: 説明\n\n## 次\n\n- 後: 説明\n";
    let cards = cards(text);
    let topic = card(&cards, "ALB + EC2 のデプロイ");
    assert_eq!(topic.kind, Kind::Topic);
    assert_eq!(topic.back, "- ログを監視する。\n- AWS CodeDeploy");
    assert_eq!(
        *card(&cards, "AWS CodeDeploy").context,
        ["ALB + EC2 のデプロイ"]
    );
    assert_eq!(*card(&cards, "別").context, ["次の話題"]);
    assert!(*card(&cards, "後").context == ["次"]);
}

#[test]
fn what_follows_a_separator_is_taken_up_to_a_source_cited() {
    let text = "DevOpsの「8の字ループ」の意味: [DevOps (Atlassian社)](https://www.atlassian.com/ja/devops)\n\n\
                - ループの左側: 開発に必要なツール\n\n運用からはフィードバックが得られる。\n\n\
                [DevOps とは? (AWS)](https://aws.amazon.com/jp/devops/)\n\n\
                > DevOps では、文化的な基本方針が組み合わされています。\n";
    let cards = cards(text);
    assert_eq!(
        card(&cards, "DevOpsの「8の字ループ」の意味").back,
        "- ループの左側\n運用からはフィードバックが得られる。",
        "a link alone on its paragraph cites the source of what follows: it is no part of the loop's card"
    );
    // The source its head names is a link to read, no part of it either.
    assert_eq!(
        card(&cards, "DevOpsの「8の字ループ」の意味").kind,
        Kind::Topic
    );
}

#[test]
fn images_stay_in_backs_and_an_image_after_a_childless_item_makes_it_a_topic() {
    let text = "- デプロイタイプ\n- ![image](https://example.com/a.png)\n- ![only](https://example.com/b.png)\n- [link](https://example.com)\n";
    let cards = cards(text);
    assert_eq!(fronts(text), ["デプロイタイプ"]);
    assert!(cards[0]
        .back_html
        .contains("<img src=\"https://example.com/a.png\""));
}

#[test]
fn code_json_and_numbered_heads() {
    let text = "- 設定:\n  - ```yaml\n    a: b\n    ```\n- {\"trustedAccessEnabled\": true}\n\
                - 1. AWS Control Tower のセットアップ\n  - 有効化: 初期セットアップ\n";
    let cards = cards(text);
    // The numbered step names only its action: no card of its own.
    assert_eq!(fronts(text), ["設定", "有効化"]);
    // The block keeps its language (and is highlighted: see src/render/mod.rs).
    let code = card(&cards, "設定");
    assert!(code
        .back_html
        .contains("<pre><code class=\"language-yaml\">"));
    assert!(code.back.contains("a: b"), "{}", code.back);
}

#[test]
fn fronts_are_cleaned_but_keep_their_script() {
    let fronts = fronts(
        "- **Amazon SNS** デッドレターキュー (DLQ)(Redrive ポリシー ):  配信先\n- ＡＷＳ　Ｃｏｎｆｉｇ：評価\n\
         - The **\"root account\"** is the first account.\n- 「冗長化」: 予備を持つこと\n\
         - DevOpsにおける「サイクル」 = OODAループ\n",
    );
    assert_eq!(
        fronts,
        [
            "Amazon SNS デッドレターキュー (DLQ)(Redrive ポリシー)",
            "ＡＷＳ Ｃｏｎｆｉｇ",
            "root account",
            "冗長化",
            "DevOpsにおける「サイクル」"
        ]
    );
}

#[test]
fn lines_are_those_of_the_front() {
    let cards = cards("# T\n\n- a: b\n\n  - c: d\n\nX は、説明\n");
    let lines: Vec<usize> = cards.iter().map(|c| c.line).collect();
    assert_eq!(lines, [3, 5, 7]);
}

#[test]
fn guids_survive_edits_of_the_back_and_change_with_the_place() {
    let before = cards("## 41.\n\n- 親:\n  - 用語: 古い定義\n");
    let edited = cards("## 41.\n\n- 親:\n  - 用語: 新しい定義\n");
    let moved_heading = cards("## 42.\n\n- 親:\n  - 用語: 古い定義\n");
    let moved_parent = cards("## 41.\n\n- 別の親:\n  - 用語: 古い定義\n");
    let guid = |cards: &[Card]| card(cards, "用語").guid.clone();
    assert_eq!(guid(&before), guid(&edited));
    assert_ne!(card(&before, "用語").back, card(&edited, "用語").back);
    assert_ne!(guid(&before), guid(&moved_heading));
    assert_ne!(guid(&before), guid(&moved_parent));
    assert_eq!(
        guid(&before),
        guid(&cards("## 41.\n\n- 親:\n  - 用語: 古い定義\n")),
        "same notes, same GUIDs"
    );
}

#[test]
fn cards_that_would_share_a_guid_are_told_apart_by_order() {
    let cards = cards("- 用語: 一つ目\n- 用語: 二つ目\n");
    assert_eq!(cards.len(), 2);
    assert_ne!(cards[0].guid, cards[1].guid);
}

#[test]
fn decks_come_from_folders_and_the_title() {
    let cards = extract_note("aws/DOP/41_50.md", "# CloudLicence\n\n- a: b\n");
    assert_eq!(&*cards[0].deck, "aws::DOP::CloudLicence");
    assert_eq!(&*extract_note("aws/x.md", "- a: b\n")[0].deck, "aws::x");
}

/// The English fixture and its expected cards (kind, front, context, start of back).
#[test]
fn english_notes() {
    let text = include_str!("fixtures/english.md");
    let expected = include_str!("fixtures/english.expected.tsv");
    let cards = extract_note("english.md", text);
    let got: Vec<(String, String, String)> = cards
        .iter()
        .map(|c| {
            (
                c.kind.as_str().to_string(),
                c.front.clone(),
                c.context.join(" › "),
            )
        })
        .collect();
    let mut want = Vec::new();
    for row in expected.lines().filter(|l| !l.starts_with('#')) {
        let cols: Vec<&str> = row.split('\t').collect();
        want.push((
            cols[0].to_string(),
            cols[1].to_string(),
            cols[2].to_string(),
        ));
        let card = card(&cards, cols[1]);
        assert!(
            card.back.starts_with(cols[3]),
            "{:?} back {:?}",
            cols[1],
            card.back
        );
    }
    assert_eq!(got, want);
}

#[test]
fn a_definition_keeps_the_images_and_html_it_ends_with() {
    let cards = cards(
        "- 末尾: 最後の画像 ![z](https://example.com/z.png)\n- 格助詞: 主語を示す <b>太字</b>\n",
    );
    assert!(
        cards[0]
            .back_html
            .contains("<img src=\"https://example.com/z.png\""),
        "{}",
        cards[0].back_html
    );
    assert_eq!(cards[1].back_html, "<p>主語を示す <b>太字</b></p>\n");
}

#[test]
fn a_definition_that_opens_with_a_link_bold_or_image_keeps_it_whole() {
    let cards = cards(
        "- 用語: [AWS](https://aws.amazon.com) のサービス\n- 強調: **太字** で始まる\n\
         - 図: ![構成](https://example.com/a.png) の説明\n- DevOpsとは、**価値を届ける**ための集まり\n",
    );
    assert_eq!(card(&cards, "用語").back, "AWS のサービス");
    assert!(card(&cards, "用語")
        .back_html
        .contains("<a href=\"https://aws.amazon.com\">AWS</a>"));
    assert_eq!(card(&cards, "強調").back, "太字 で始まる");
    assert!(card(&cards, "図")
        .back_html
        .contains("<img src=\"https://example.com/a.png\""));
    assert_eq!(card(&cards, "DevOps").back, "価値を届けるための集まり");
}

#[test]
fn a_definition_that_opens_with_inline_html_keeps_the_tag() {
    let cards = cards("- 格助詞: <b>太字</b>の説明\n");
    assert_eq!(cards[0].back_html, "<p><b>太字</b>の説明</p>\n");
}

#[test]
fn a_link_only_item_over_a_definition_is_a_term_but_links_under_links_are_a_toc() {
    let text = "## 目次\n\n1. [EBS](#ebs)\n   1. [性能](#性能)\n\n## 本文\n\n\
                - [Validated Learning](https://e.com/vl)\n  - 目標を設定し、確認する\n\
                - 現 マネージャ\n- [YouTube](https://youtube.com)\n";
    let cards = cards(text);
    assert_eq!(fronts(text), ["本文", "Validated Learning"]);
    assert_eq!(card(&cards, "Validated Learning").kind, Kind::Term);
    assert_eq!(
        card(&cards, "Validated Learning").back,
        "- 目標を設定し、確認する"
    );
}

#[test]
fn bookmarks_make_no_card_but_a_definition_with_a_link_does() {
    let text = "## 試験概要\n\nhttps://aws.amazon.com/jp/certification/\n\n## 勉強資料\n\n\
                * awsのドキュメント\n    * https://docs.aws.amazon.com/index.html\n\
                * ホワイトペーパー\n    * AWS Well-Architected\n        * https://e.com/wa\n\
                * [Black Belt](https://e.com/bb)\n\n## サービス\n\n\
                - 関連リンク\n  - [S3](https://e.com/s3)\n  - [EBS](https://e.com/ebs)\n\
                - CloudFront\n  - キャッシュで配信を速くする\n  - https://e.com/cf\n\
                - Route 53: DNS サービス\n  - https://e.com/r53\n\
                - デプロイタイプ\n  - ![図](img/deploy.png)\n\
                - 理論。 詳しくは次を読む\n  - [記事](https://e.com/a)\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        ["サービス", "CloudFront", "Route 53", "デプロイタイプ"]
    );
    assert_eq!(
        card(&cards, "CloudFront").back,
        "- キャッシュで配信を速くする"
    );
    assert_eq!(card(&cards, "Route 53").back, "DNS サービス");
}

#[test]
fn aspect_subsections_say_what_their_section_is_and_numbers_and_emoji_are_no_name() {
    let text = "## 2. 範囲内のサービス\n\n### 2.1. 分析\n\n#### 2.1.1. Amazon Athena\n\n\
                ##### 概要\n\n- 標準 SQL で S3 のデータを分析するサービス。\n\n\
                ##### 主な機能\n\n- フェデレーテッドクエリ\n  - 他のデータソースに問い合わせる\n\n\
                ##### 公式ページ\n\n- [Athena とは](https://e.com/athena)\n\n\
                #### 3 Tier\n\n- 三層の構成\n\n## 📚 Overview\n\n概観の文。\n\n## 🎯 Key Services\n\n- EC2\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        [
            "Amazon Athena",
            "フェデレーテッドクエリ",
            "3 Tier",
            "Key Services"
        ]
    );
    let athena = card(&cards, "Amazon Athena");
    assert_eq!(athena.kind, Kind::Topic);
    assert!(
        athena
            .back
            .starts_with("概要\n- 標準 SQL で S3 のデータを分析するサービス。\n主な機能\n- フェデレーテッドクエリ"),
        "{}",
        athena.back
    );
    // The official page is a link to read, no part of the back.
    assert!(!athena.back.contains("公式ページ"), "{}", athena.back);
    assert_eq!(
        *card(&cards, "フェデレーテッドクエリ").context,
        ["範囲内のサービス", "分析", "Amazon Athena", "主な機能"]
    );
}

#[test]
fn filing_labels_front_no_card() {
    let text = "#### Keywords:\n\n- **IAM** - Identity Access Management\n\n##### Exam Tips:\n\n- 本文\n\n\
                ### Hands On\n\n- 本文\n\n### メリット\n\n- 本文\n\n- 参考: [DevOpsとはなにか](https://e.com)\n";
    assert_eq!(fronts(text), ["IAM"]);
}

#[test]
fn a_definition_sentence_that_asks_or_says_nothing_defines_nothing() {
    let text = "- DevOps変革とは。\n- DevOpsとは何か。なぜ必要なのか。\n- DevOpsとはなにか、ここで学ぶ。\n\
                - [Gitとは](https://e.com) を読む\n- CIとは、変更を統合すること\n";
    assert_eq!(fronts(text), ["CI"]);
}

#[test]
fn spaced_equals_arrows_dashes_and_pipes_separate_but_not_inside_bold_or_chains() {
    let text = "- DevOpsにおける「サイクル」 = OODAループ\n- SOA -> サービス指向アーキテクチャ\n\
                - [継続的インテグレーション(CI)](https://e.com)を行う - Day2で学習\n  - 自動でビルドする\n\
                - 用語｜定義\n- リーン(lean) （1）もたれる。（2）無駄のない。\n\
                - **S3標準 - 低頻度アクセス**は、安価なクラス。\n- ユーザー -> AWS -> VPC -> EC2\n\
                - 2012, first re:Invent conference\n- 比率は 1 : 1 で 100 - 200 人\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        [
            "DevOpsにおける「サイクル」",
            "SOA",
            "継続的インテグレーション(CI)を行う",
            "用語",
            "リーン(lean)",
            "S3標準 - 低頻度アクセス"
        ]
    );
    assert_eq!(
        card(&cards, "継続的インテグレーション(CI)を行う").back,
        "- 自動でビルドする"
    );
    assert_eq!(
        card(&cards, "リーン(lean)").back,
        "（1）もたれる。（2）無駄のない。"
    );
}

#[test]
fn a_comma_clause_ending_in_a_verb_is_a_sentence_not_a_term_or_topic() {
    let text =
        "- 各サイクルで、データに基づく学習を行う\n  - [Validated Learning](https://e.com)\n\
                - モニタリングを行い、データを集める - ループを形成する\n\
                - ターゲットグループのヘルスチェックを設定する: 手順\n";
    assert_eq!(
        fronts(text),
        ["ターゲットグループのヘルスチェックを設定する"]
    );
}

#[test]
fn after_a_label_a_linked_title_and_a_colon_make_the_term() {
    let text = "参考: [The Twelve-Factor App](https://12factor.net/ja/): SaaSのための方法論。\n\n\
                参考: [DevOpsとはなにか](https://e.com) - [著者](https://e.com/a)さんによる翻訳.\n\n\
                DevOpsの「8の字ループ」の意味: [DevOps (Atlassian社)](https://e.com/d)\n\n\
                - ループの左側: **開発**に必要なプロセス\n- ループの右側: **運用**に必要なプロセス\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        [
            "The Twelve-Factor App",
            "DevOpsの「8の字ループ」の意味",
            "ループの左側",
            "ループの右側"
        ]
    );
    assert_eq!(
        card(&cards, "The Twelve-Factor App").back,
        "SaaSのための方法論。"
    );
    assert!(card(&cards, "DevOpsの「8の字ループ」の意味")
        .back
        .contains("ループの左側"));
}

#[test]
fn japanese_definitions_that_name_the_term_last() {
    let text = "主にITを活用して経営課題を解決することを**ソリューションビジネス**という。\n\n\
                業務の一部を外部に委託することを**BPO(Business Process Outsourcing)**と呼ぶ。\n\n\
                具体的な手本となるのが**システム管理基準**。\n\n\
                - 新機能をリリースすることを[継続的デプロイ](https://e.com)と呼ぶ場合もある\n\
                - 自社運用とも呼ばれる。\n- これはXという名前の設定です。\n- 使うのが一般的。\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        [
            "ソリューションビジネス",
            "BPO(Business Process Outsourcing)",
            "システム管理基準",
            "継続的デプロイ"
        ]
    );
    assert_eq!(
        card(&cards, "ソリューションビジネス").back,
        "主にITを活用して経営課題を解決すること"
    );
    assert_eq!(card(&cards, "システム管理基準").back, "具体的な手本となる");
    assert_eq!(
        card(&cards, "継続的デプロイ").back,
        "新機能をリリースすること"
    );
}

#[test]
fn a_definition_on_the_next_unindented_line_of_a_name() {
    let text = "- パブリッククラウド\n契約者なら誰でも利用可能なクラウド環境\n\n\
                1. SOA(Service-Oriented Architecture)\nSOA -> サービス指向アーキテクチャ\n\n\
                - 情報システムの機能や、アプリケーションなどを\nインターネット経由で使う\n\
                - Load balancers spread\nrequests over servers.\n- 図の説明\n![図](https://e.com/a.png)\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        ["パブリッククラウド", "SOA(Service-Oriented Architecture)"]
    );
    assert_eq!(
        card(&cards, "パブリッククラウド").back,
        "契約者なら誰でも利用可能なクラウド環境"
    );
    assert_eq!(
        card(&cards, "SOA(Service-Oriented Architecture)").back,
        "SOA -> サービス指向アーキテクチャ"
    );
}

#[test]
fn each_defining_line_of_a_paragraph_makes_its_own_card() {
    let text = "**ソリューション**(solution): 問題解決のことを指す\n\
                ITで課題を解決することを**ソリューションビジネス**という。\n\
                それを行う事業者を**ソリューションプロバイダ**という。\n補足の一文。\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        [
            "ソリューション(solution)",
            "ソリューションビジネス",
            "ソリューションプロバイダ"
        ]
    );
    assert_eq!(
        card(&cards, "ソリューション(solution)").back,
        "問題解決のことを指す"
    );
    assert_eq!(
        card(&cards, "ソリューションプロバイダ").back,
        "ITで課題を解決することをソリューションビジネスという。 それを行う事業者 補足の一文。",
        "`それ` points back: the line before is on the back"
    );
    assert_eq!(card(&cards, "ソリューションプロバイダ").line, 3);
}

#[test]
fn english_lead_ins_define_the_bold_term_and_sentences_are_no_terms() {
    let text = "- **Identity Access Management**, IAM allows you to manage users.\n\
                - The **\"root account\"** is simply the account created first.\n\
                - **IAM is universal.** It does not apply to regions.\n\
                - **Users** - End Users such as employees\n\
                - It was launched in 2004. Since then: many services\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        ["Identity Access Management", "root account", "Users"]
    );
    assert_eq!(
        card(&cards, "Identity Access Management").back,
        "IAM allows you to manage users."
    );
    assert_eq!(
        card(&cards, "root account").back,
        "simply the account created first."
    );
}

#[test]
fn an_item_that_announces_a_list_takes_the_list_that_follows_at_its_level() {
    let text = "- 留意すべき資源配分(以下具体例)\n\n1. 効果の実現\n2. 予算や人材\n\n\
                - ITガバナンスの10項目\n1. 方針及び目標設定\n\n- 別の項目\n- 次の項目\n  - 子\n";
    let cards = cards(text);
    assert_eq!(
        card(&cards, "留意すべき資源配分(以下具体例)").back,
        "1. 効果の実現\n2. 予算や人材"
    );
    assert_eq!(
        card(&cards, "ITガバナンスの10項目").back,
        "1. 方針及び目標設定"
    );
    assert!(cards.iter().all(|c| c.front != "別の項目"));
}

#[test]
fn quoted_definitions_define_and_a_quote_or_code_after_a_childless_item_belongs_to_it() {
    let text =
        "[DevOps (Wikipedia)](https://e.com)\n\n> DevOpsは、ソフトウェア開発手法の一つ。\n\n\
                > DevOps では、速いペースで達成します。\n\n\
                - Policy example\n```\n{\"Effect\": \"Allow\"}\n```\n\n- 用語\n> 引用された定義\n\n\
                - 時刻は 10:30 に実行\n\n> 離れた引用\n";
    let cards = cards(text);
    assert_eq!(fronts(text), ["DevOps", "Policy example", "用語"]);
    assert_eq!(card(&cards, "DevOps").back, "ソフトウェア開発手法の一つ。");
    assert_eq!(card(&cards, "Policy example").kind, Kind::Topic);
    assert!(card(&cards, "用語").back.contains("引用された定義"));
}

#[test]
fn exam_question_ids_and_dates_file_things_and_an_ideographic_space_heading_is_a_heading() {
    let text =
        "## H28S P19\n\n本文\n\n## R1F 問5\n\n本文\n\n## 第3問\n\n本文\n\n## Q12\n\n本文\n\n\
                ## 2024-05-01\n\n本文\n\n##\u{3000}見出し\n\n本文\n\n## EC2\n\n本文\n";
    let cards = cards(text);
    assert_eq!(fronts(text), ["見出し", "EC2"]);
    assert_eq!(card(&cards, "見出し").back, "本文");
}

#[test]
fn no_giant_cards_a_section_holds_its_own_body_and_every_back_is_bounded() {
    let mut text = String::from("## 章\n\n章の概要。\n\n### 節\n\n");
    for i in 0..400 {
        text.push_str(&format!(
            "- とても長い定義の文がここに続きます、その{i}。\n"
        ));
    }
    text.push_str("- 用語399: 定義\n");
    let cards = cards(&text);
    assert_eq!(card(&cards, "章").back, "章の概要。\n- 節");
    let section = card(&cards, "節");
    assert!(
        section.back.len() <= notedeck::extract::MAX_BACK,
        "{}",
        section.back.len()
    );
    assert!(section.back.ends_with('…'));
    assert_eq!(card(&cards, "用語399").back, "定義");
}

#[test]
fn long_english_clauses_are_no_fronts() {
    let text = "- You can create roles here: in the console\n\
                - Policies are made up of documents\n  - JSON\n\
                - Identity federation: log in with another account\n";
    assert_eq!(fronts(text), ["Identity federation"]);
}

#[test]
fn a_term_named_last_after_a_demonstrative_takes_the_sentence_before() {
    let text = "## 2023/04/01 追記\n\nエンドポイントを使うと、S3 に直接アクセスできる。\n\
                この仕組みをプライベートリンクと呼ぶ。\n\n- 次のうち、ステートフルなものはどれか。\n  - セキュリティグループ\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        [
            "プライベートリンク",
            "次のうち、ステートフルなものはどれか。"
        ]
    );
    assert_eq!(
        card(&cards, "プライベートリンク").back,
        "エンドポイントを使うと、S3 に直接アクセスできる。 この仕組み"
    );
    assert_eq!(card(&cards, "プライベートリンク").line, 4);
    assert_eq!(
        card(&cards, "次のうち、ステートフルなものはどれか。").kind,
        Kind::Qa
    );
}

#[test]
fn a_table_whose_rows_name_things_makes_a_card_a_row_its_cells_under_their_headers() {
    let text = "## マニフェスト\n\nリソースの種類は以下の通り。\n\n\
                |種類|役割|補足|\n|:--|:--|:--|\n\
                |🟦 Deployment|アプリを動かす設定|`replicas` など|\n\
                |└─ template:|Podの設計図||\n\
                |||\n\
                |種類|役割|補足|\n\
                |Service|Podへの入り口||\n\
                ||安定した仮想IP||\n\
                |![](icon.png)|図||\n\
                |Namespace|||\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        ["マニフェスト", "Deployment", "template", "Service"],
        "an empty row, the header repeated, a picture and a row with nothing but its name make no card"
    );
    assert_eq!(
        card(&cards, "Deployment").back,
        "- 役割: アプリを動かす設定\n- 補足: replicas など"
    );
    assert_eq!(card(&cards, "Deployment").kind, Kind::Term);
    assert_eq!(card(&cards, "Deployment").line, 7);
    // A tree branch is a part of the row above it.
    assert_eq!(
        *card(&cards, "template").context,
        ["マニフェスト", "Deployment"]
    );
    // A row without a name goes on with the row above (a merged cell).
    assert_eq!(
        card(&cards, "Service").back,
        "- 役割: Podへの入り口\n- 役割: 安定した仮想IP"
    );
    // The table keeps its place in its section's back.
    let section = &card(&cards, "マニフェスト").back;
    assert!(
        section.starts_with("リソースの種類は以下の通り。") && section.contains("Podの設計図"),
        "{section}"
    );
}

#[test]
fn the_column_its_header_names_fronts_a_vocabulary_row_and_a_counting_column_never() {
    let text = "| No. | 読み | 漢字 | 意味 |\n|---|---|---|---|\n\
                | 1 | なきます | 泣きます | cry |\n| 2 | たべる | {食|た}べる | eat |\n\n\
                | Adverb | Romaji | Meaning |\n| --- | --- | --- |\n| とても | totemo | very |\n";
    let cards = cards(text);
    assert_eq!(fronts(text), ["泣きます", "{食|た}べる", "とても"]);
    assert_eq!(
        card(&cards, "泣きます").back,
        "- 読み: なきます\n- 意味: cry"
    );
    assert_eq!(
        card(&cards, "とても").back,
        "- Romaji: totemo\n- Meaning: very"
    );
    let numbered =
        "| # | 単語 の 説明 | 例 |\n|---|---|---|\n| 1 | 雨 | あめ |\n| 2 | 雪 | ゆき |\n";
    assert_eq!(fronts(numbered), ["雨", "雪"], "1, 2… only count the rows");
    let steps = "| 手順 | 内容 |\n|---|---|\n| 1 | 作成する |\n| 2 | 削除する |\n";
    assert!(fronts(steps).is_empty(), "a step number names nothing");
}

#[test]
fn a_table_that_compares_things_makes_no_card_and_stays_in_its_section() {
    let text = "## アクセス管理\n\n\
                | | バケットポリシー | IAM |\n|---|---|---|\n| アカウント単位 | 〇 | × |\n\n\
                ## オートスケール\n\n\
                |比較軸|Cluster Autoscaler|HPA|\n|:--|:--|:--|\n|粒度|1ノード単位|1Pod単位|\n\n\
                ## 値\n\n|2進数|スコープ|\n|--|--|\n|0001|インターフェイスローカル|\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        ["アクセス管理", "オートスケール", "値", "0001"]
    );
    assert!(card(&cards, "オートスケール").back.contains("1ノード単位"));
    let glossary = "| 項目 | 説明 |\n|---|---|\n| 料金 | 従量課金 |\n";
    let compared = "| 項目 | EBS | EFS |\n|---|---|---|\n| 容量 | 16TiB | 無制限 |\n";
    assert_eq!(fronts(glossary), ["料金"], "項目 over 説明 is a glossary");
    assert!(fronts(compared).is_empty(), "項目 over names compares them");
    for side_by_side in [
        "| メリット | デメリット |\n|---|---|\n| 安い | 遅い |\n",
        "| Pros | Cons |\n|---|---|\n| cheap | slow |\n",
    ] {
        assert!(
            fronts(side_by_side).is_empty(),
            "columns under labels are lists"
        );
    }
}

#[test]
fn a_word_with_its_reading_and_a_pattern_a_learner_explains_in_english_front_their_cards() {
    let text = "- 食べる（たべる）- to eat\n- 3時ころ (san-ji koro) - around 3 o'clock\n\
                - 〜ながら (while) is used to describe two actions at once\n\
                - ちょっと can mean \"a little\" or \"excuse me\"\n\
                - In formal writing, adverbs like 非常に are preferred.\n\
                - Results are between 100-1000\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        [
            "食べる（たべる）",
            "3時ころ (san-ji koro)",
            "〜ながら (while)",
            "ちょっと"
        ]
    );
    assert_eq!(card(&cards, "食べる（たべる）").back, "to eat");
    assert_eq!(
        card(&cards, "〜ながら (while)").back,
        "is used to describe two actions at once"
    );
    assert_eq!(card(&cards, "ちょっと").kind, Kind::Term);
}

#[test]
fn each_line_that_defines_by_itself_makes_its_card_whatever_joins_or_marks_it() {
    let text = "IPv6のプレフィックスは範囲も表す。  \n\
                2000::/3 => 先頭3ビットが001で始まるアドレス  \n\
                FF80::/10 ⇒ 先頭10ビットが1111 1111 10で始まるアドレス\n\n\
                スコープは3種類ある。  \n・グローバル:  \n有効範囲に制限はないアドレス  \n\
                ・リンクローカル:  \n特定リンクでのみ有効なアドレス\n\n\
                > ブロードキャスト:廃止<br>\n> `エニーキャスト`:最も近いノードと通信\\\n\
                > **マルチキャスト**：グループへの通信\n\n\
                FF02::2の場合:  \nFF => マルチキャストアドレス  \n02 => リンクローカルのスコープ\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        [
            "2000::/3",
            "FF80::/10",
            "グローバル",
            "リンクローカル",
            "ブロードキャスト",
            "エニーキャスト",
            "マルチキャスト",
            "FF02::2の場合",
            "FF",
            "02"
        ]
    );
    assert_eq!(
        card(&cards, "2000::/3").back,
        "先頭3ビットが001で始まるアドレス"
    );
    assert_eq!(
        card(&cards, "グローバル").back,
        "有効範囲に制限はないアドレス"
    );
    assert_eq!(card(&cards, "グローバル").line, 6);
    assert_eq!(card(&cards, "エニーキャスト").back, "最も近いノードと通信");
    assert!(
        card(&cards, "FF02::2の場合")
            .back
            .contains("リンクローカルのスコープ"),
        "a line ending with a separator leads in the definitions under it"
    );
    let soft_wrapped = "用語A: 説明A\n用語B: 説明B\n";
    assert_eq!(fronts(soft_wrapped), ["用語A", "用語B"]);
    assert_eq!(card(&self::cards(soft_wrapped), "用語A").back, "説明A");
}

#[test]
fn a_worked_example_and_the_line_under_a_name_define_nothing_of_their_own() {
    let text = "- EUI-64\n64ビット長の識別子。  \n例:MACアドレス「00-AB-70-12-34-56」の場合  \n\
                分割してFFFEを挿入 => 00-AB-70-FF-FE-12-34-56  \n\
                U / Lビットを反転 => 02AB:70FF:FE12:3456\n\n\
                - SOA(Service-Oriented Architecture)  \nSOA -> サービス指向アーキテクチャ\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        ["EUI-64", "SOA(Service-Oriented Architecture)"]
    );
    assert!(card(&cards, "EUI-64").back.contains("02AB:70FF:FE12:3456"));
}

#[test]
fn attribute_lines_and_worked_values_make_nothing() {
    let text = "{: .note}  \n**Queueing delay** is the most interesting delay.\n\n\
                - Takes L/R seconds to transmit a packet\n  - L = 7.5 Mbits\n  \
                - one hop transmission delay = 5 sec (L/R)\n  - Transmission rate = bandwidth\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        [
            "Queueing delay",
            "Takes L/R seconds to transmit a packet",
            "Transmission rate"
        ]
    );
    assert_eq!(
        card(&cards, "Queueing delay").back,
        "the most interesting delay."
    );
}

#[test]
fn a_paragraph_that_only_names_a_thing_right_above_a_list_is_its_title() {
    let text = "**Communication links**  \n  - Fiber, copper, radio\n  - Transmission rate = bandwidth\n\n\
                Apart from the list\n\n- a separate item\n\n\
                Some of the components are listed below\n- another item\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        ["Communication links", "Transmission rate"],
        "a blank line ends the title; a sentence is no title"
    );
    let links = card(&cards, "Communication links");
    assert_eq!(links.kind, Kind::Topic);
    assert!(
        links.back.contains("Fiber, copper, radio"),
        "{}",
        links.back
    );
    assert_eq!(
        *card(&cards, "Transmission rate").context,
        ["Communication links"]
    );
}

#[test]
fn a_line_that_numbers_its_parts_inline_holds_a_definition_a_part() {
    let text = "(1) _bit_ - propagates between transmitter/receiver pairs, \
                (2) _physical link_ - what lies between transmitter and receiver (3) 誘導媒体 - 固体の中を伝わる\n\n\
                - ・リンクローカル: 特定リンクでのみ有効\n- 比率は (1) と (2) で決まる\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        ["bit", "physical link", "誘導媒体", "リンクローカル"],
        "a number or bullet typed as text is no part of the front"
    );
    assert_eq!(
        card(&cards, "bit").back,
        "propagates between transmitter/receiver pairs"
    );
    assert_eq!(
        card(&cards, "physical link").back,
        "what lies between transmitter and receiver"
    );
}

#[test]
fn an_english_sentence_that_says_what_a_named_thing_is_defines_it() {
    let text = "The Internet is a connected collection of computing devices. Some are hosts.\n\n\
                - a bottleneck is the min of two links\n\
                - It is a good idea to measure\n\
                - What is a region, and an edge location\n\
                - The field of network security is a robust topic\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        ["Internet", "bottleneck"],
        "a pronoun, a question word or a long phrase names nothing"
    );
    assert_eq!(
        card(&cards, "Internet").back,
        "a connected collection of computing devices. Some are hosts."
    );
    assert_eq!(card(&cards, "bottleneck").kind, Kind::Term);
}

#[test]
fn case_facts_of_a_question_stay_in_the_back_and_its_answer_still_teaches() {
    let text = "## 49.\n\n- 問題のシナリオ:\n  - 現在の構成\n\
                \x20   - ALB: トラフィックを EC2 に振り分ける役割を持ちます。\n\
                \x20   - セキュリティグループ: ALB にはセキュリティグループが関連付けられています。\n\
                \x20 - DevOps エンジニアの課題\n\
                \x20   - リクエストのルーティング: すべてのリクエストを CloudFront 経由でルーティングする必要があります。\n\
                \x20   - 移行: オンプレミスの DB を移行したい。\n\
                \x20 - 解決策:\n\
                \x20   - AWS WAF: リクエストの内容に基づいてブロックするルールを持っています。\n\
                \x20   - IAM ロール: EC2 から S3 を読むには IAM ロールが必要です。\n\n\
                ## S3\n\n- バケット名: AWS 内で一意である必要がある。\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        [
            "ALB",
            "DevOps エンジニアの課題",
            "AWS WAF",
            "IAM ロール",
            "S3",
            "バケット名"
        ],
        "what the case narrates or requires is no card; the answer and knowledge elsewhere are"
    );
    assert_eq!(
        card(&cards, "DevOps エンジニアの課題").back,
        "- リクエストのルーティング: すべてのリクエストを CloudFront 経由でルーティングする必要があります。\n\
         - 移行: オンプレミスの DB を移行したい。"
    );
}

#[test]
fn a_sentence_of_a_paragraph_that_defines_a_term_makes_its_card() {
    let text = "Delay grows with load. Can be quantified with La/R. This function is called \
                __traffic intensity__. The instantaneous throughput at any instant of time is the \
                rate at which bits arrive. If a file is F bits, then the __average throughput__ of \
                the transfer is __F/T__. To solve it we need _end-point authentication_, a \
                mechanism that checks where a message comes from.\n\n\
                Routers use __switching__ fabrics. It is also known as bandwidth. The field of \
                network security is a robust topic.\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        [
            "traffic intensity",
            "instantaneous throughput",
            "average throughput",
            "end-point authentication"
        ],
        "bold for emphasis, another name in passing and a long phrase define nothing"
    );
    assert_eq!(
        card(&cards, "traffic intensity").back,
        "Can be quantified with La/R. This function is called traffic intensity.",
        "`This` points back: the sentence before is on the back"
    );
    assert_eq!(
        card(&cards, "end-point authentication").back,
        "To solve it we need end-point authentication, a mechanism that checks where a message comes from."
    );
    assert!(card(&cards, "average throughput").back.contains("F/T"));
}

#[test]
fn a_bold_term_with_the_noun_it_qualifies_opens_a_definition() {
    let text = "1. __Denial of Service__ attacks consist of making resources unavailable\n\
                2. __Routers__ and switches are devices\n";
    let cards = cards(text);
    assert_eq!(fronts(text), ["Denial of Service attacks"]);
    assert_eq!(
        card(&cards, "Denial of Service attacks").back,
        "making resources unavailable"
    );
}

#[test]
fn a_paragraph_that_ends_with_a_count_takes_the_list_after_it() {
    let text = "## Attacks\n\nSome are common.\n\nMost fall into three categories\n\n\
                1. _vulnerability attack_ - crafted messages\n2. _bandwidth flooding_ - a deluge of packets\n\n\
                The speed is 10 Mbps\n\n- fiber - glass\n";
    let cards = cards(text);
    let lead_in = card(&cards, "Most fall into three categories");
    assert_eq!(lead_in.kind, Kind::Topic);
    assert!(
        lead_in.back.contains("bandwidth flooding"),
        "{}",
        lead_in.back
    );
    assert_eq!(
        *card(&cards, "bandwidth flooding").context,
        ["Attacks", "Most fall into three categories"]
    );
    assert_eq!(
        *card(&cards, "fiber").context,
        ["Attacks"],
        "no count, no lead-in"
    );
}

#[test]
fn a_numbered_step_that_names_only_its_action_stays_in_the_procedure_above() {
    let text = "- 手動によるデプロイ: 次の手順で行う。\n\
                \x20 - 1. AWS Control Tower のセットアップ\n\
                \x20   - ガードレールの設定: 提供されるガードレールを選択し、有効にします。\n\
                \x20 - 2. リソースのデプロイ\n\
                \x20   - 開発者は Service Catalog から製品を選択し、デプロイします。\n\
                \x20 - 3. 設定ミスが起きやすい理由\n\
                \x20   - 手作業が多いため。\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        [
            "手動によるデプロイ",
            "ガードレールの設定",
            "3. 設定ミスが起きやすい理由"
        ],
        "a step that names an action is no card; what it says, and a step that asks something, are"
    );
    assert_eq!(
        card(&cards, "手動によるデプロイ").back,
        // `- 1. …` is a bullet numbering its step: one item.
        "次の手順で行う。\n\
         - 1. AWS Control Tower のセットアップ\n  - ガードレールの設定\n\
         - 2. リソースのデプロイ\n  - 開発者は Service Catalog から製品を選択し、デプロイします。\n\
         - 3. 設定ミスが起きやすい理由"
    );
}

#[test]
fn a_name_said_again_under_its_card_is_one_card_with_it() {
    let text = "## S3\n\n**S3 Glacier**は、アーカイブ用。\n\n\
                ### 署名付きURL\n\n**署名付きURL**は、期限を指定してURLを発行する機能。\n\n\
                ## EFS\n\n**Amazon EFS**（Elastic File System）は、共有ファイルストレージ。\n\n\
                ### スループットモード\n\n- バースト: 容量に応じたスループット\n\n\
                ## DevOps変革とは？\n\nDevOps変革(DevOps transformation): DevOpsを組織に導入すること。\n\n\
                ここで学ぶ。\n\n## DevOpsとは？\n\nなぜ必要なのか。\n\n- DevOpsとは、価値を届ける仕組み\n\n\
                ## IAM 101\n\n- **IAM** - manages users and their access.\n\n\
                ## DNS\n\n- CNAME レコード:\n  - 別名を定義する DNS レコード。\n  - CNAME レコードは、ルートドメイン名には使えない。\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        [
            "S3",
            "S3 Glacier",
            "署名付きURL",
            "EFS",
            "スループットモード",
            "バースト",
            "DevOps変革とは？",
            "DevOpsとは？",
            "DevOps",
            "IAM",
            "DNS",
            "CNAME レコード"
        ],
        "a section that opens with the definition of its name, and a line that names its card again, make one card"
    );
    assert_eq!(
        card(&cards, "署名付きURL").back,
        "署名付きURLは、期限を指定してURLを発行する機能。"
    );
    assert_eq!(
        card(&cards, "EFS").back,
        "Amazon EFS（Elastic File System）は、共有ファイルストレージ。\n- スループットモード"
    );
    assert_eq!(
        card(&cards, "DevOps変革とは？").back,
        "DevOps変革(DevOps transformation): DevOpsを組織に導入すること。\nここで学ぶ。"
    );
    assert_eq!(
        card(&cards, "CNAME レコード").back,
        "- 別名を定義する DNS レコード。\n- CNAME レコードは、ルートドメイン名には使えない。"
    );
    // `101` titles the basics of what it names.
    assert_eq!(
        card(&cards, "IAM").back,
        "- IAM - manages users and their access."
    );
    // Left alone: a name that goes on after the heading's names another
    // thing (`S3 Glacier` is no `S3`), and a definition after the
    // sentence a section opens with is a card of its own.
    assert_eq!(card(&cards, "S3").back, "- S3 Glacier\n- 署名付きURL");
    assert_eq!(card(&cards, "DevOps").back, "価値を届ける仕組み");
    assert_eq!(
        *card(&cards, "バースト").context,
        ["EFS", "スループットモード"]
    );
}

#[test]
fn a_definition_that_only_says_when_the_course_teaches_it_over_links_makes_no_card() {
    let text = "## DevOpsの実践\n\n\
                - [CI](https://example.com/ci)を行う - Day2前半で学習\n\
                \x20 - コミットのたびにビルドとテストを自動的に行う\n\
                - バージョンコントロールを利用する - Day1後半・Day2前半で学習\n\
                \x20 - [Git (Wikipedia)](https://ja.wikipedia.org/wiki/Git)\n\
                \x20 - [Git for Windows](https://gitforwindows.org/)\n\
                - Docker - Day4で学習\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        ["DevOpsの実践", "CIを行う"],
        "a schedule note over links, or alone, is nothing to recall"
    );
    // Over what is said of the term, it is no part of the back either.
    assert_eq!(
        card(&cards, "CIを行う").back,
        "- コミットのたびにビルドとテストを自動的に行う"
    );
    assert_eq!(
        card(&cards, "DevOpsの実践").back,
        "- CIを行う\n\
         - バージョンコントロールを利用する - Day1後半・Day2前半で学習\n\
         - Docker - Day4で学習"
    );
}

#[test]
fn a_rule_line_says_nothing_and_a_section_of_only_it_has_no_body() {
    let text = "## IAM と S3\n\n---\n\n### Users and groups\n\n- **Users** - End users such as employees\n";
    assert_eq!(fronts(text), ["Users and groups", "Users"]);
}

#[test]
fn a_topic_over_one_card_is_its_title_and_stays_in_its_context() {
    let text = "- ALB\n  - リスナールールの設定\n    - ホストヘッダーのチェック: FQDN と一致するか確かめる。\n\
                \x20 - ターゲットグループ: 振り分け先\n\
                - IAM Permissions\n  - Users: End users\n  - Groups: A collection of users\n\n\
                ## 目標となるモデルを作るEA\n\nEA: Enterprise Architecture\n";
    let cards = cards(text);
    assert_eq!(
        fronts(text),
        [
            "ALB",
            "ホストヘッダーのチェック",
            "ターゲットグループ",
            "IAM Permissions",
            "Users",
            "Groups",
            "目標となるモデルを作るEA",
            "EA"
        ],
        "a topic over one card is no card; over two it is a list to recall, and a section titles its body"
    );
    assert_eq!(
        card(&cards, "ALB").back,
        "- リスナールールの設定\n  - ホストヘッダーのチェック\n- ターゲットグループ"
    );
    assert_eq!(
        *card(&cards, "ホストヘッダーのチェック").context,
        ["ALB", "リスナールールの設定"]
    );
}

#[test]
fn a_sections_back_lists_its_subsections_but_the_labels_that_file_them() {
    let text =
        "## IAM\n\nユーザーとアクセスを管理する。\n\n### IAM Features\n\n- Centralized control\n\n\
                ### Keywords:\n\n- MFA: Multi-factor authentication\n\n### Exam Tips\n\n\
                - The root account has complete admin access.\n";
    let cards = cards(text);
    assert_eq!(
        card(&cards, "IAM").back,
        "ユーザーとアクセスを管理する。\n- IAM Features",
        "`Keywords:` and `Exam Tips` file the section's cards: their titles name nothing to recall"
    );
    assert_eq!(*card(&cards, "MFA").context, ["IAM", "Keywords"]);
}

#[test]
fn links_kept_for_further_reading_are_no_part_of_a_back() {
    let text = "## DevOpsとは？\n\n\
                - Donovan Brown\n  - Microsoft社員\n  - [YouTube](https://e.com/yt)\n\
                \x20 - [LinkedIn](https://e.com/li)\n  - https://e.com/blog\n\
                - 実践\n  - バージョンコントロールを利用する\n    - [Git (Wikipedia)](https://e.com/git)\n\
                \x20 - 参考\n    - [記事](https://e.com/a)\n  - 参考: [解説](https://e.com/b)\n\
                \x20 - 参考: [翻訳](https://e.com/c) - 読みやすい。\n\n\
                [DevOps (Wikipedia)](https://e.com/w)\n\n\
                > DevOpsは、ソフトウェア開発手法の一つ。\n";
    let cards = cards(text);
    let brown = card(&cards, "Donovan Brown");
    assert_eq!(brown.back, "- Microsoft社員");
    assert!(!brown.back_html.contains("e.com"), "{}", brown.back_html);
    // A name over links still says what it names; a label over them goes.
    // So does a reference line; one that says something of its link stays.
    assert_eq!(
        card(&cards, "実践").back,
        "- バージョンコントロールを利用する\n- 参考: 翻訳 - 読みやすい。"
    );
    // The source cited above a quote goes; the quote is its own card.
    let section = card(&cards, "DevOpsとは？");
    assert!(!section.back.contains("Wikipedia"), "{}", section.back);
    assert_eq!(card(&cards, "DevOps").back, "ソフトウェア開発手法の一つ。");
}
