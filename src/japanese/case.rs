//! The case of one exam question: what its scenario says about the
//! situation (`ALB には…が関連付けられています。`, `…する必要があります。`)
//! is no knowledge to recall, and stays in the back of what it belongs to.
//! Said elsewhere, the same words are knowledge (`バケット名は一意である
//! 必要がある`): only the case's labels tell.

use super::phrase;
use super::script::is_space;
use super::TrimSpaces;

/// Labels that introduce one question's case (`問題のシナリオ`, `要件`,
/// `現在の構成`, `Requirements`): what is under them describes that
/// situation. Each is also a label (`words::LABELS`).
const CASE_LABELS: &[&str] = &["シナリオ", "要件", "現在の構成", "scenario", "requirement"];

/// Labels under which the notes answer the case (each in `words::LABELS`).
const ANSWER_LABELS: &[&str] = &[
    "解決策",
    "回答",
    "解説",
    "答え",
    "正解",
    "solution",
    "answer",
];

/// Endings of a sentence that narrates the case: what has happened, what
/// is set up so (`…発生しました。`, `…関連付けられています。`).
const NARRATING: &[&str] = &[
    "ました",
    "ています",
    "ていました",
    "ている",
    "ていた",
    "でした",
];

/// Endings of a sentence that says what the case requires or wishes
/// (`…する必要があります。`, `…機能が必要です。`, `…を移行したい。`).
const REQUIRING: &[&str] = &[
    "必要があります",
    "必要がある",
    "必要です",
    "必要",
    "なければなりません",
    "なければならない",
    "求められています",
    "求められる",
    "したい",
    "したいです",
    "たい",
    "たいです",
    "ほしい",
    "欲しい",
];

/// What makes a requirement knowledge instead: the purpose or condition it
/// holds under (`…するには IAM ロールが必要です。`, `…の場合は…必要がある`).
const CONDITIONS: &[&str] = &["には", "場合", "ためには", "とき", "時は", "際", "なら"];

/// `問題のシナリオ:`, `要件`, `Scenario`: a label that introduces the case.
pub fn is_case_label(text: &str) -> bool {
    phrase::label_of(text).is_some_and(|label| CASE_LABELS.contains(&label))
}

/// `解決策`, `回答`, `Solution`: a label under which the notes answer the
/// case: what is there is knowledge again.
pub fn is_answer_label(text: &str) -> bool {
    phrase::label_of(text).is_some_and(|label| ANSWER_LABELS.contains(&label))
}

/// Whether `definition`, said of a term under a case label, describes the
/// case: its last sentence narrates it (`…関連付けられています。`) or
/// states what it requires or wishes, with no purpose or condition that
/// would make it knowledge (`…する必要があります。`, while `…するには IAM
/// ロールが必要です。` is knowledge).
pub fn describes_case(definition: &str) -> bool {
    let last = last_sentence(definition);
    NARRATING.iter().any(|e| last.ends_with(e)) || requires(last)
}

fn requires(sentence: &str) -> bool {
    REQUIRING.iter().any(|e| sentence.ends_with(e))
        && !CONDITIONS.iter().any(|c| sentence.contains(c))
}

/// The last sentence of `text`, without its full stop and the spaces
/// around it.
fn last_sentence(text: &str) -> &str {
    let text = text
        .trim_matches(|c: char| is_space(c) || c == '\n')
        .trim_end_matches(['。', '.', '！', '!']);
    let start = text.rfind(['。', '\n']).map_or(0, |at| {
        at + text[at..].chars().next().map_or(1, char::len_utf8)
    });
    text[start..].trim_spaces()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_facts_narrate_or_require_and_knowledge_gives_its_condition() {
        assert!(describes_case(
            "ALB には、セキュリティグループが関連付けられています。"
        ));
        assert!(describes_case("お客様に障害が発生しました。"));
        assert!(describes_case(
            "すべてのリクエストを CloudFront 経由でルーティングする必要があります。"
        ));
        assert!(describes_case(
            "ヘッダーに基づいてブロックする機能が必要です。"
        ));
        assert!(describes_case("オンプレミスの DB を移行したい"));
        assert!(!describes_case(
            "ALB は、トラフィックを振り分ける役割を持ちます。"
        ));
        assert!(!describes_case(
            "インスタンスに接続するには IAM ロールが必要です。"
        ));
        assert!(!describes_case(
            "ウェブアプリケーションに対する攻撃を検出します。"
        ));
        assert!(is_case_label("問題のシナリオ"));
        assert!(is_case_label("Requirements:"));
        assert!(!is_case_label("解決策"));
        assert!(is_answer_label("解決策:"));
    }
}
