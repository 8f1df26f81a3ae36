//! Search over message text in every script kefu's users write (issue 16). Neither SQLite's default
//! tokenizer nor PostgreSQL's text search segments Chinese, Japanese or Korean, so the text is cut
//! into terms here, the same way for both databases: runs of CJK characters become overlapping
//! pairs of characters (`我想申请退款` → 我想 想申 申请 请退 退款) plus the run's last character
//! alone, and runs of other letters and digits become words. The database indexes the terms (an
//! FTS5 table on SQLite, a `tsvector` with a GIN index on PostgreSQL) and finds candidate messages
//! holding every term of a query; [`Query::hits`] then confirms each candidate against the text
//! itself, so both databases answer exactly the same.
//!
//! Text is compared normalized: full-width Latin letters and digits as half-width, lower case.

/// Whether `c` is a letter of a script written without spaces between words: Han (with the
/// extensions), kana, Hangul.
pub fn is_cjk(c: char) -> bool {
    c.is_alphanumeric()
        && matches!(c as u32,
        0x3040..=0x30FF | 0x31F0..=0x31FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF
        | 0xFF66..=0xFF9F | 0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF | 0x20000..=0x2FA1F)
}

/// One character as compared: full-width ASCII as ASCII, the ideographic space as a space, lower
/// case.
fn fold(c: char) -> char {
    let c = match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    };
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    }
}

/// `text` as compared.
pub fn normalize(text: &str) -> String {
    text.chars().map(fold).collect()
}

/// A run of characters of one kind.
enum Run {
    Cjk(Vec<char>),
    Word(String),
}

fn runs(text: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut cjk: Vec<char> = Vec::new();
    let mut word = String::new();
    for c in text.chars().map(fold) {
        if is_cjk(c) {
            if !word.is_empty() {
                out.push(Run::Word(std::mem::take(&mut word)));
            }
            cjk.push(c);
        } else if c.is_alphanumeric() {
            if !cjk.is_empty() {
                out.push(Run::Cjk(std::mem::take(&mut cjk)));
            }
            word.push(c);
        } else {
            if !cjk.is_empty() {
                out.push(Run::Cjk(std::mem::take(&mut cjk)));
            }
            if !word.is_empty() {
                out.push(Run::Word(std::mem::take(&mut word)));
            }
        }
    }
    if !cjk.is_empty() {
        out.push(Run::Cjk(cjk));
    }
    if !word.is_empty() {
        out.push(Run::Word(word));
    }
    out
}

/// Longest word indexed, in characters (longer ones are cut: a query for them still finds them
/// through the prefix and the check against the text).
const WORD_CHARS: usize = 32;

/// The terms a message is indexed under, each once, joined by spaces.
pub fn index_terms(text: &str) -> String {
    let mut terms: Vec<String> = Vec::new();
    for run in runs(text) {
        match run {
            Run::Cjk(chars) => {
                terms.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
                terms.extend(chars.last().map(|c| c.to_string()));
            }
            Run::Word(word) => terms.push(word.chars().take(WORD_CHARS).collect()),
        }
    }
    terms.sort_unstable();
    terms.dedup();
    terms.join(" ")
}

/// One term of a query: matched whole, or as the start of an indexed term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub prefix: bool,
}

/// A search: what the text must contain, and the terms that find candidates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// The query's parts (split at spaces), normalized: a hit contains each.
    parts: Vec<String>,
    pub terms: Vec<Term>,
}

impl Query {
    /// `None` when the query holds nothing searchable (only punctuation or spaces).
    pub fn parse(query: &str) -> Option<Query> {
        let normalized = normalize(query);
        let parts: Vec<String> = normalized.split_whitespace().map(str::to_owned).collect();
        let mut terms = Vec::new();
        for run in runs(query) {
            match run {
                Run::Cjk(chars) if chars.len() == 1 => terms.push(Term { text: chars[0].to_string(), prefix: true }),
                Run::Cjk(chars) => {
                    terms.extend(chars.windows(2).map(|w| Term { text: w.iter().collect(), prefix: false }))
                }
                Run::Word(word) => terms.push(Term { text: word.chars().take(WORD_CHARS).collect(), prefix: true }),
            }
        }
        terms.sort_by(|a, b| a.text.cmp(&b.text));
        terms.dedup();
        (!terms.is_empty()).then_some(Query { parts, terms })
    }

    /// Whether a candidate's text really holds the query: every part, contiguous.
    pub fn hits(&self, text: &str) -> bool {
        let text = normalize(text);
        self.parts.iter().all(|p| text.contains(p.as_str()))
    }

    /// An FTS5 MATCH expression (SQLite): every term, quoted, `*` for a prefix.
    pub fn fts5(&self) -> String {
        self.terms
            .iter()
            .map(|t| format!("\"{}\"{}", t.text, if t.prefix { "*" } else { "" }))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// A `to_tsquery('simple', …)` expression (PostgreSQL): every term, quoted, `:*` for a prefix.
    pub fn tsquery(&self) -> String {
        self.terms
            .iter()
            .map(|t| format!("'{}'{}", t.text, if t.prefix { ":*" } else { "" }))
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

#[cfg(feature = "ssr")]
pub use db::*;

#[cfg(feature = "ssr")]
mod db {
    use kefu_protocol::{ApiError, ConversationId, TenantId};
    use sqlx::Row as _;

    use super::{index_terms, Query};
    use crate::infra::db::{Db, DbKind, Markers, Writer};
    use crate::infra::OrInternal;

    /// Indexes messages just written in `w`'s transaction, found by conversation and sequence.
    pub async fn index(w: &mut Writer, kind: DbKind, messages: &[(ConversationId, i64, &str)]) -> Result<(), ApiError> {
        let rows: Vec<(i64, i64, String)> = messages
            .iter()
            .map(|(c, seq, body)| (c.0, *seq, index_terms(body)))
            .filter(|(.., terms)| !terms.is_empty())
            .collect();
        for chunk in rows.chunks(300) {
            let mut markers = Markers::new(kind);
            let values: Vec<String> = chunk
                .iter()
                .map(|_| {
                    let [c, s, t] = std::array::from_fn(|_| markers.one());
                    format!("(CAST({c} AS BIGINT), CAST({s} AS BIGINT), CAST({t} AS TEXT))")
                })
                .collect();
            let (into, terms) = match kind {
                DbKind::Sqlite => ("message_search (rowid, terms)", "v.terms"),
                DbKind::Postgres => {
                    ("message_search (message_id, terms)", "array_to_tsvector(string_to_array(v.terms, ' '))")
                }
            };
            let sql = format!(
                "WITH v(c, s, terms) AS (VALUES {}) INSERT INTO {into} SELECT m.id, {terms} FROM v \
                 JOIN messages m ON m.conversation_id = v.c AND m.seq = v.s",
                values.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for (c, s, t) in chunk {
                query = query.bind(*c).bind(*s).bind(t.as_str());
            }
            query.execute(&mut **w).await.or_internal()?;
        }
        Ok(())
    }

    /// A message a search found (confirmed against its text).
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Hit {
        pub message_id: i64,
        pub conversation_id: ConversationId,
        pub seq: i64,
        pub body: String,
    }

    /// One batch of a search: the candidates that hold the query, newest first, and where the next
    /// batch starts.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct Batch {
        pub hits: Vec<Hit>,
        /// The oldest candidate read (`None`: the index holds no more).
        pub next: Option<i64>,
    }

    /// Messages of the tenant that hold the query, newest first, older than `before` (a message
    /// id): at most `limit` candidates are read from the index in its own order (newest first, no
    /// sort), then each is checked against its text.
    pub async fn search(db: &Db, tenant: TenantId, query: &Query, before: i64, limit: i64) -> Result<Batch, ApiError> {
        let (from, matches, expression, order) = match db.kind {
            DbKind::Sqlite => (
                "message_search s JOIN messages m ON m.id = s.rowid",
                "message_search MATCH $1 AND s.rowid < $4",
                query.fts5(),
                "s.rowid",
            ),
            DbKind::Postgres => (
                "message_search s JOIN messages m ON m.id = s.message_id",
                "s.terms @@ CAST($1 AS tsquery) AND s.message_id < $4",
                query.tsquery(),
                "s.message_id",
            ),
        };
        let sql = format!(
            "SELECT m.id, m.conversation_id, m.seq, m.body FROM {from} \
             WHERE {matches} AND m.tenant_id = $2 AND m.retracted_at IS NULL ORDER BY {order} DESC LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(expression)
            .bind(tenant.0)
            .bind(limit)
            .bind(before)
            .fetch_all(db.reader())
            .await
            .or_internal()?;
        let hits = rows
            .iter()
            .map(|r| {
                Ok(Hit {
                    message_id: r.try_get("id")?,
                    conversation_id: ConversationId(r.try_get("conversation_id")?),
                    seq: r.try_get("seq")?,
                    body: r.try_get("body")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .or_internal()?;
        let next = (hits.len() as i64 == limit).then(|| hits.last().map(|h| h.message_id)).flatten();
        Ok(Batch { hits: hits.into_iter().filter(|h| query.hits(&h.body)).collect(), next })
    }

    /// Indexes the messages written before the search index existed, a batch at a time, in the
    /// background (once, at startup; nothing to do once done).
    pub fn start_backfill(db: Db) {
        tokio::spawn(async move {
            loop {
                match backfill(&db, 500).await {
                    Ok(0) => break,
                    Ok(_) => tokio::task::yield_now().await,
                    Err(error) => {
                        tracing::warn!(%error, "search backfill failed; trying again in a minute");
                        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                    }
                }
            }
        });
    }

    /// Indexes up to `batch` messages written before the search index existed; returns how many
    /// were indexed (0: done). Nodes running this at once take turns: the progress row moves only
    /// from where the batch began.
    pub async fn backfill(db: &Db, batch: i64) -> Result<usize, ApiError> {
        let mut w = db.write().await?;
        w.begin().await?;
        let work = async {
            let row = sqlx::query("SELECT next_id, below FROM search_backfill WHERE id = 1")
                .fetch_optional(&mut *w)
                .await
                .or_internal()?;
            let Some(row) = row else { return Ok(0) };
            let (next, below): (i64, i64) =
                (row.try_get("next_id").or_internal()?, row.try_get("below").or_internal()?);
            if next >= below {
                return Ok(0);
            }
            let rows = sqlx::query(
                "SELECT id, conversation_id, seq, body FROM messages WHERE id >= $1 AND id < $2 ORDER BY id LIMIT $3",
            )
            .bind(next)
            .bind(below)
            .bind(batch)
            .fetch_all(&mut *w)
            .await
            .or_internal()?;
            let last = rows.last().map(|r| r.try_get::<i64, _>("id")).transpose().or_internal()?;
            let until = last.map_or(below, |id| id + 1);
            let moved = sqlx::query("UPDATE search_backfill SET next_id = $1 WHERE id = 1 AND next_id = $2")
                .bind(until)
                .bind(next)
                .execute(&mut *w)
                .await
                .or_internal()?;
            if moved.rows_affected() == 0 {
                return Ok(0);
            }
            let found = rows
                .iter()
                .map(|r| Ok((ConversationId(r.try_get("conversation_id")?), r.try_get("seq")?, r.try_get("body")?)))
                .collect::<Result<Vec<(ConversationId, i64, String)>, sqlx::Error>>()
                .or_internal()?;
            let borrowed: Vec<(ConversationId, i64, &str)> =
                found.iter().map(|(c, s, b)| (*c, *s, b.as_str())).collect();
            let kind = w.kind();
            index(&mut w, kind, &borrowed).await?;
            Ok(found.len())
        };
        let done = work.await;
        w.end(done).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(terms: &str) -> std::collections::BTreeSet<&str> {
        terms.split(' ').collect()
    }

    #[test]
    fn cjk_runs_become_pairs_and_latin_runs_words() {
        assert_eq!(set(&index_terms("我想申请退款")), set("我想 想申 申请 请退 退款 款"));
        assert_eq!(set(&index_terms("Order Ｎｏ.１２３ 已发货")), set("order no 123 已发 发货 货"));
        assert_eq!(set(&index_terms("注文をキャンセル")), set("注文 文を をキ キャ ャン ンセ セル ル"));
        assert_eq!(set(&index_terms("환불 요청")), set("환불 불 요청 청"));
        assert_eq!(index_terms("！？…"), "", "nothing searchable");
        assert_eq!(set(&index_terms("退款退款")), set("退款 款退 款"), "each term once");
    }

    #[test]
    fn a_query_finds_candidates_by_terms_and_hits_only_contiguous_text() {
        let q = Query::parse("退款").unwrap();
        assert_eq!(q.fts5(), "\"退款\"");
        assert!(q.hits("我想申请退款，可以吗"));
        assert!(!q.hits("退货，款已付"), "both characters, not together");
        let one = Query::parse("退").unwrap();
        assert_eq!(one.tsquery(), "'退':*");
        let mixed = Query::parse("iPhone 退款").unwrap();
        assert_eq!(mixed.fts5(), "\"iphone\"* AND \"退款\"");
        assert!(mixed.hits("我的IPHONE想退款"));
        assert!(Query::parse(" ，。！ ").is_none());
        assert!(Query::parse("ｉＰｈｏｎｅ").unwrap().hits("iphone 15"), "full-width typed, half-width stored");
    }
}
