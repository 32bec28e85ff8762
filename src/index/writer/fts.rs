//! The cards' search tokens in the full-text tables: added and removed
//! with the cards, made again when the tokenizer changes, and flushed.

use rusqlite::params;

use super::Writer;
use crate::index::{front_key, front_rowid};
use crate::japanese::tokens;

/// What the index's `meta` calls the version of the tokenizer that made
/// its search tokens (`Writer::reindex_if_tokens_changed`).
pub const META_TOKENS: &str = "tokens";

impl Writer<'_> {
    pub(super) fn index_tokens(
        &self,
        id: i64,
        front: &str,
        context: &str,
        back: &str,
    ) -> anyhow::Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO cards_fts (rowid, front, context, back) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![id, front, context, back])?;
        self.tx
            .prepare_cached("INSERT INTO temp.new_fronts (rowid, front) VALUES (?1, ?2)")?
            .execute(params![front_rowid(id, front), front])?;
        Ok(())
    }

    /// Makes every card's search tokens and front key again when another
    /// version of the tokenizer made them (`tokens::VERSION`), before this
    /// build changes any card: their text, GUIDs and outputs stay as they are.
    pub fn reindex_if_tokens_changed(&self) -> anyhow::Result<()> {
        let version = tokens::VERSION.to_string();
        if self.meta(META_TOKENS)?.as_deref() == Some(&version) {
            return Ok(());
        }
        self.tx.execute_batch(
            "INSERT INTO cards_fts (cards_fts) VALUES ('delete-all');
             INSERT INTO fronts_fts (fronts_fts) VALUES ('delete-all');
             DELETE FROM temp.new_fronts;",
        )?;
        let mut cards = self
            .tx
            .prepare("SELECT id, front, context, back, front_key FROM cards")?;
        let mut rows = cards.query([])?;
        // The fronts compared with queries fold alike too: rewritten once
        // the cards are read, not while they are.
        let mut front_keys = Vec::new();
        while let Some(row) = rows.next()? {
            let (id, front): (i64, String) = (row.get(0)?, row.get(1)?);
            let context: Vec<String> = serde_json::from_str(&row.get::<_, String>(2)?)?;
            self.index_tokens(
                id,
                &tokens::index_text(&front),
                &tokens::index_text(&context.join("\n")),
                &tokens::index_text(&row.get::<_, String>(3)?),
            )?;
            let key = front_key(&front);
            if key != row.get::<_, String>(4)? {
                front_keys.push((id, key));
            }
        }
        for (id, key) in front_keys {
            self.tx
                .prepare_cached("UPDATE cards SET front_key = ?2 WHERE id = ?1")?
                .execute(params![id, key])?;
        }
        self.set_meta(META_TOKENS, &version)
    }

    /// Removes a card's tokens from the full-text tables, while its row
    /// still has the front they were made from.
    pub(super) fn unindex(&self, id: i64) -> anyhow::Result<()> {
        let front: String = self
            .tx
            .prepare_cached("SELECT front FROM cards WHERE id = ?1")?
            .query_row([id], |row| row.get(0))?;
        let rowid = front_rowid(id, &tokens::index_text(&front));
        self.tx
            .prepare_cached("DELETE FROM cards_fts WHERE rowid = ?1")?
            .execute([id])?;
        // Indexed in this build, its front is still waiting for the commit.
        self.tx
            .prepare_cached("DELETE FROM temp.new_fronts WHERE rowid = ?1")?
            .execute([rowid])?;
        self.tx
            .prepare_cached("DELETE FROM fronts_fts WHERE rowid = ?1")?
            .execute([rowid])?;
        Ok(())
    }

    /// Writes the tokens FTS5 holds in memory (up to `hashsize`, 32 MB a
    /// table) to the index now rather than at the commit, freeing their
    /// memory for the outputs, which a build makes next: the whole of a
    /// first build's cards are read then. A savepoint makes FTS5 flush.
    pub fn flush_pending_tokens(&self) -> anyhow::Result<()> {
        self.tx
            .execute_batch("SAVEPOINT flush_tokens; RELEASE flush_tokens;")?;
        Ok(())
    }
}
