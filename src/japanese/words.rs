//! The word lists the extraction rules speak of, kept in one place so that
//! they are easy to read and to extend.

/// Generic words that introduce structure instead of naming a concept.
/// Alone or followed by a number (`ステップ 3`), they never make a front.
pub const LABELS: &[&str] = &[
    "ステップ",
    "手順",
    "シナリオ",
    "パターン",
    "デプロイパターン",
    "例",
    "例えば",
    "原因",
    "結果",
    "解決策",
    "対策",
    "補足",
    "注意",
    "問題",
    "課題",
    "回答",
    "解説",
    "ポイント",
    "まとめ",
    "エラー内容",
    "エラー",
    "答え",
    "正解",
    "理由",
    "メモ",
    "参考",
    "備考",
    "注",
    "メリット",
    "デメリット",
    // What introduces one exam question's case (`japanese::case`).
    "要件",
    "現在の構成",
    // The author's own words around the notes, not what they teach.
    "はじめに",
    "おわりに",
    "所感",
    "感想",
    "step",
    "example",
    "note",
    "cause",
    "solution",
    "tip",
    "answer",
    "reason",
    "result",
    "source",
    "reference",
    "keyword",
    "question",
    "scenario",
    "requirement",
    "hands on",
    "hands-on",
    "summary",
    "merit",
    "demerit",
    "pro",
    "con",
];

/// Labels that name an aspect of the thing they are under: a section
/// headed so (`#### Amazon Athena` over `##### 概要`, `##### 主な機能`)
/// says what its parent is. (`Keywords`, `Exam Tips` file things instead.)
pub const ASPECTS: &[&str] = &[
    "概要",
    "特徴",
    "主な機能",
    "主な特徴",
    "用途",
    "使い方",
    "仕組み",
    "料金",
    "公式ページ",
    "公式ドキュメント",
    "参考リンク",
    "関連リンク",
    "参考資料",
    "参考文献",
    "overview",
    "feature",
    "use case",
    "pricing",
    "benefit",
];

/// Table headers that name the column whose cells name the rows (a
/// vocabulary table's word, a glossary's term), wherever it stands:
/// `| 読み | 漢字 | 意味 |` is a table of kanji. Without one, the first
/// column names the rows.
pub const NAME_HEADERS: &[&str] = &[
    "用語",
    "単語",
    "語",
    "語句",
    "語彙",
    "言葉",
    "漢字",
    "表現",
    "文法",
    "名前",
    "名称",
    "副詞",
    "名詞",
    "動詞",
    "形容詞",
    "term",
    "word",
    "vocabulary",
    "vocab",
    "kanji",
    "name",
    "expression",
    "phrase",
    "grammar",
    "pattern",
    "adverb",
    "noun",
    "verb",
    "adjective",
    "particle",
];

/// English predicates that open what a learner's note says about a
/// Japanese word or pattern: `ちょっと can mean …`, `〜ながら is used to …`.
pub const ENGLISH_PREDICATES: &[&str] = &[
    "is",
    "are",
    "can",
    "may",
    "means",
    "indicates",
    "expresses",
    "tends",
    "refers",
    "implies",
    "describes",
    "shows",
    "marks",
    "emphasizes",
    "emphasises",
    "conveys",
    "suggests",
    "follows",
    "attaches",
    "modifies",
    "comes",
    "sounds",
    "works",
    "functions",
    "adds",
    "requires",
    "gives",
];

/// What the first header of a comparison table says: its first column
/// names the points compared (`粒度`, `コスト`), its other headers the
/// things compared. (An empty first header says the same.)
pub const COMPARISON_AXES: &[&str] = &[
    "比較軸",
    "比較項目",
    "比較観点",
    "比較",
    "観点",
    "軸",
    "comparison",
    "criteria",
    "criterion",
    "aspect",
];

/// First headers that say only that the rows are points of some kind
/// (`| 項目 | EBS | EFS |`, `| Feature | S3 | EBS |`): over headers that
/// name things, the table compares them; over headers that say what the
/// cells are (`DESCRIBING_HEADERS`: `| 機能 | 説明 |`), it is a glossary.
pub const GENERIC_FIRST_HEADERS: &[&str] = &[
    "項目",
    "特徴",
    "機能",
    "属性",
    "item",
    "feature",
    "property",
    "attribute",
];

/// Words in a table header that say what its cells are about the row
/// (`説明`, `主な役割`, `Meaning`), not which thing the column is.
pub const DESCRIBING_HEADERS: &[&str] = &[
    "説明",
    "内容",
    "意味",
    "概要",
    "定義",
    "詳細",
    "備考",
    "補足",
    "役割",
    "用途",
    "目的",
    "例",
    "読み",
    "値",
    "description",
    "meaning",
    "definition",
    "detail",
    "note",
    "summary",
    "reading",
    "romaji",
    "translation",
    "example",
    "value",
    "purpose",
    "role",
    "usage",
];

/// Words that narrow a label without making it a name: `Exam Tips`.
pub const LABEL_QUALIFIERS: &[&str] = &["exam ", "試験の", "問題の"];

/// What follows `とは` when a sentence asks instead of defining
/// (`DevOpsとは何か。`, `DevOpsとはなにか`).
pub const QUESTION_WORDS: &[&str] = &["何", "なに", "なん", "どう", "どんな", "どのような"];

/// Words that open a sentence without being part of its subject
/// (`また、**S3 Access Analyzer**は、…`).
pub const CONNECTIVES: &[&str] = &[
    "また",
    "なお",
    "さらに",
    "更に",
    "一方",
    "ただし",
    "但し",
    "同様に",
    "加えて",
    "つまり",
    "特に",
    "次に",
    "最後に",
    "まず",
];

/// Endings of polite or past predicates: a term never ends so.
pub const POLITE_OR_PAST_ENDINGS: &[&str] = &["ます", "です", "ました", "でした", "ません"];

/// Endings of a Japanese predicate: text that ends so is a sentence, not a name.
pub const PREDICATE_ENDINGS: &[&str] = &[
    "ます",
    "です",
    "ました",
    "でした",
    "ません",
    "する",
    "した",
    "される",
    "された",
    "できる",
    "できた",
    "ない",
    "なかった",
    "たい",
    "ている",
    "ていた",
    "てる",
    "れる",
    "ある",
    "いる",
    "なる",
    "なった",
    "だ",
    "である",
    "った",
    "ください",
    "なさい",
    "ましょう",
    "でしょう",
];

/// Particles a term does not end with (`ELB に` is no term; `と` is left out
/// because so many nouns end with it: `こと`, `あと`).
pub const PARTICLES: &[&str] = &[
    "は", "が", "を", "に", "へ", "で", "も", "や", "の", "から", "まで", "より",
];

/// Hiragana runs that, inside a subject, betray a clause rather than a name
/// (`S3に保存されたデータは、…`, `AWS Control Tower を有効化した AWS アカウントは、…`).
pub const CLAUSE_HIRAGANA: &[&str] = &[
    "に", "を", "が", "で", "へ", "は", "も", "した", "する", "して", "され", "れる", "れた",
    "った", "から", "まで", "より",
];

/// People and groups that act in a story: `DevOps エンジニアは、…` tells what
/// someone does; it defines nothing.
pub const ACTORS: &[&str] = &[
    "エンジニア",
    "チーム",
    "企業",
    "会社",
    "開発者",
    "管理者",
    "担当者",
    "顧客",
    "お客様",
    "社員",
    "部門",
    "部署",
    "私",
    "我々",
    "彼",
    "彼女",
    "engineer",
    "team",
    "company",
];

/// Endings of a question (after a trailing `。` is dropped).
/// `…はどれか。`, `…するのか`: a question word or a predicate before `か`.
pub const QUESTION_ENDINGS: &[&str] = &[
    "?",
    "？",
    "ですか",
    "ますか",
    "でしょうか",
    "か？",
    "どれか",
    "どちらか",
    "何か",
    "なにか",
    "のか",
    "るか",
];

/// Exam instructions: the item asks for an answer.
pub const INSTRUCTIONS: &[&str] = &[
    "選択してください",
    "選んでください",
    "選びなさい",
    "答えなさい",
    "説明しなさい",
    "述べなさい",
];

/// Headings that file a note rather than name a topic.
pub const FILING_HEADINGS: &[&str] = &[
    "目次",
    "もくじ",
    "contents",
    "table of contents",
    "toc",
    "index",
    "更新履歴",
    "変更履歴",
    "更新",
    "changelog",
    "参考文献",
    "参考リンク",
    "references",
    "q&a",
    "faq",
    "よくある質問",
    "links",
];

/// Words that, beside a date or number, mark an update note: `2023/04/01 追記`.
pub const UPDATE_NOTES: &[&str] = &["追記", "更新", "更新日", "作成日", "update", "updated"];

/// Words that point back to the sentence before: a definition that opens
/// with one (`この仕組みをXと呼ぶ`) needs that sentence on its back.
pub const DEMONSTRATIVES: &[&str] = &[
    "この",
    "その",
    "これ",
    "それ",
    "こうした",
    "そうした",
    "こういった",
];

/// English words that open a subject pointing back at the sentence
/// before: `This function is called …`.
pub const ENGLISH_DEMONSTRATIVES: &[&str] = &[
    "This", "These", "That", "Those", "It", "Such", "this", "these", "that", "those", "it", "such",
];

/// What names a term that comes last: `…をXという`, `…をXと呼ぶ`.
pub const NAMING_MARKERS: &[&str] = &[
    "という",
    "と言う",
    "といい",
    "と呼ぶ",
    "と呼び",
    "と呼ばれ",
    "と称する",
];

/// What may follow a naming marker and still end the sentence: a verb
/// ending in hiragana (`ます`, `る`), or `場合もある`, `こともある`.
pub const NAMING_TAILS: &[&str] = &["場合", "こと"];

/// Copulas that may close `…のが X`: `だ`, `である`, `です`.
pub const COPULAS: &[&str] = &["である", "です", "だ"];

/// Words that point to what follows: a line with one announces a list.
pub const FORWARD_POINTERS: &[&str] = &["以下", "次の", "下記", "the following", "as follows"];

/// Counters that close a count of what follows: `10項目`, `2つ`.
pub const COUNTERS: &[&str] = &["項目", "つ", "個", "種類", "点", "段階"];

/// The numbers an English count is written with in words: `three
/// categories`.
pub const ENGLISH_NUMBERS: &[&str] = &[
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
];

/// Words between a number and what it counts: `two more layers`, `three
/// main types`.
pub const COUNT_QUALIFIERS: &[&str] = &["more", "main", "basic", "key", "different", "major"];

/// Finite verbs that make English words a clause, not a name.
pub const ENGLISH_FINITE_VERBS: &[&str] = &[
    "is", "are", "was", "were", "can", "will", "should", "must", "does", "do", "has", "have",
];
