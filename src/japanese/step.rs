//! A step of a procedure: `6. リソースのデプロイ`, `ステップ 2: 設定
//! レコーダーの削除`, `Step 3: ロールの作成`. Its front names an action
//! of the procedure, not a thing to recall; what it says is read as a part
//! of the procedure above, in whose back it stays.

use super::script::is_space;
use super::TrimSpaces;

/// Nouns of an action a step performs (`…の作成`, `…のセットアップ`).
const ACTIONS: &[&str] = &[
    "作成",
    "定義",
    "設定",
    "構成",
    "デプロイ",
    "セットアップ",
    "有効化",
    "利用",
    "削除",
    "登録",
    "適用",
    "実行",
    "確認",
    "準備",
    "インストール",
    "アタッチ",
    "アップロード",
];

/// What comes before the action noun in a generic front: `Xの作成`,
/// `Xに登録`, `Xの作成と適用`, `X のデプロイ`.
const BEFORE_ACTION: &[char] = &['の', 'に', 'を', 'と', ' ', '\u{3000}'];

/// Whether `front` is a numbered step whose words only name an action
/// (`6. リソースのデプロイ`, `ステップ 2: バケットの作成`): a step in the
/// reading of its procedure, no question of its own.
pub fn is_generic_step(front: &str) -> bool {
    let Some(action) = without_step_number(front.trim_spaces()) else {
        return false;
    };
    let action = action.trim_spaces();
    ACTIONS.iter().any(|noun| {
        action
            .strip_suffix(noun)
            .is_some_and(|before| before.ends_with(BEFORE_ACTION))
    })
}

/// The front without its step number (`6.`, `2)`, `ステップ 1:`, `Step 3 -`,
/// `手順2`), or `None` when it has none.
fn without_step_number(front: &str) -> Option<&str> {
    let english = front
        .get(..5)
        .is_some_and(|word| word.eq_ignore_ascii_case("step "));
    let rest = ["ステップ", "手順"]
        .iter()
        .find_map(|word| front.strip_prefix(word))
        .or_else(|| english.then(|| &front[5..]))
        .map(|rest| rest.trim_start_matches(is_space));
    let numbered = rest.unwrap_or(front);
    let digits = numbered.len()
        - numbered
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .len();
    if digits == 0 {
        return None;
    }
    let after = &numbered[digits..];
    let marked = after.trim_start_matches(['.', ')', ':', '：', '-', '．']);
    // `2024 年の設定` is no step: a number alone needs its mark, a word
    // (`ステップ 2`) none.
    (rest.is_some() || marked.len() < after.len()).then_some(marked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_steps_that_name_an_action() {
        assert!(is_generic_step("6. リソースのデプロイ"));
        assert!(is_generic_step("1. AWS Control Tower のセットアップ"));
        assert!(is_generic_step(
            "ステップ 1: AWS Config コンフォーマンスパックの作成と適用"
        ));
        assert!(is_generic_step(
            "ステップ 3: AWS Control Tower Account Factory に登録"
        ));
        assert!(is_generic_step("Step 2: S3 バケットの作成"));
        assert!(!is_generic_step("IAM ロールの作成"));
        assert!(!is_generic_step("2. Amazon S3"));
        assert!(!is_generic_step("2024 年の設定"));
        assert!(!is_generic_step("3. 設定ミスが起きやすい理由"));
    }
}
