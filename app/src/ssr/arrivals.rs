//! Arriving visitors, in batches: returning ones looked up, new ones registered. After a server
//! restart or a network blip thousands of widgets reconnect at once, and a campaign can bring
//! hundreds of new visitors in a second; one statement for many visitors costs one database round
//! trip (and, on SQLite, one hand-off to sqlx's worker thread and one commit) instead of one each.
//! One insert per new visitor held the SQLite write gate for 0.3 s when 500 arrived together, and
//! every chat message waited behind it. A lone visitor waits for nothing: the batch is whatever
//! arrived while the previous statement ran.

use std::collections::HashMap;

use kefu_protocol::{ApiError, ConversationId, SiteId, TenantId, VisitorId};
use sqlx::Row as _;
use tokio::sync::{mpsc, oneshot};

use super::db::{Db, Markers};
use super::store::{Latest, Visitor};
use super::OrInternal;

/// Tokens looked up by one query at most.
const MAX_BATCH: usize = 500;

/// A returning visitor as stored, before this visit is counted.
#[derive(Clone, Debug)]
pub struct Known {
    pub visitor: Visitor,
    pub last_seen: i64,
}

struct Lookup {
    tenant: TenantId,
    site: SiteId,
    token_hash: String,
    reply: oneshot::Sender<Result<Option<Known>, ApiError>>,
}

struct Registration {
    tenant: TenantId,
    site: SiteId,
    token_hash: String,
    at: i64,
    reply: oneshot::Sender<Result<VisitorId, ApiError>>,
}

#[derive(Clone)]
pub struct Arrivals {
    tx: mpsc::Sender<Lookup>,
    new_tx: mpsc::Sender<Registration>,
}

impl Arrivals {
    pub fn start(db: Db) -> Arrivals {
        let (tx, rx) = mpsc::channel(8192);
        let (new_tx, new_rx) = mpsc::channel(8192);
        tokio::spawn(run(db.clone(), rx));
        tokio::spawn(register_new(db, new_rx));
        Arrivals { tx, new_tx }
    }

    /// Stores a first-time visitor with this token hash, seen at `at`; their new id.
    pub async fn register(
        &self,
        tenant: TenantId,
        site: SiteId,
        token_hash: String,
        at: i64,
    ) -> Result<VisitorId, ApiError> {
        let (reply, answer) = oneshot::channel();
        let registration = Registration { tenant, site, token_hash, at, reply };
        self.new_tx.send(registration).await.map_err(|_| ApiError::Internal)?;
        answer.await.map_err(|_| ApiError::Internal)?
    }

    /// The visitor of this site and tenant with this token hash, if any.
    pub async fn find(&self, tenant: TenantId, site: SiteId, token_hash: String) -> Result<Option<Known>, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(Lookup { tenant, site, token_hash, reply }).await.map_err(|_| ApiError::Internal)?;
        answer.await.map_err(|_| ApiError::Internal)?
    }
}

async fn run(db: Db, mut rx: mpsc::Receiver<Lookup>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        match lookup(&db, &batch).await {
            Ok(mut found) => {
                for l in batch.drain(..) {
                    // Token hashes are random, but a visitor is still only theirs within one site.
                    let known = found.remove(&(l.token_hash.clone(), l.site, l.tenant));
                    let _ = l.reply.send(Ok(known));
                }
            }
            Err(e) => {
                for l in batch.drain(..) {
                    let _ = l.reply.send(Err(e.clone()));
                }
            }
        }
    }
}

type Key = (String, SiteId, TenantId);

async fn lookup(db: &Db, batch: &[Lookup]) -> Result<HashMap<Key, Known>, ApiError> {
    let mut hashes: Vec<&str> = batch.iter().map(|l| l.token_hash.as_str()).collect();
    hashes.sort_unstable();
    hashes.dedup();
    let markers = Markers::new(db.kind).list(hashes.len());
    let sql = format!(
        "SELECT v.token_hash, v.site_id, v.tenant_id, v.id, v.name, v.first_seen, v.visits, v.last_seen, \
         c.id AS conversation_id, c.last_seq, c.status FROM visitors v \
         LEFT JOIN conversations c ON c.id = (SELECT l.id FROM conversations l \
           WHERE l.visitor_id = v.id AND l.tenant_id = v.tenant_id ORDER BY l.started_at DESC, l.id DESC LIMIT 1) \
         WHERE v.token_hash IN ({markers})"
    );
    let mut query = sqlx::query(&sql);
    for hash in &hashes {
        query = query.bind(*hash);
    }
    let mut found = HashMap::new();
    for r in query.fetch_all(&db.pool).await.or_internal()? {
        let latest = match r.try_get::<Option<i64>, _>("conversation_id").or_internal()? {
            Some(id) => Some(Latest {
                id: ConversationId(id),
                last_seq: r.try_get("last_seq").or_internal()?,
                open: r.try_get::<String, _>("status").or_internal()? == "open",
            }),
            None => None,
        };
        let visitor = Visitor {
            id: VisitorId(r.try_get("id").or_internal()?),
            name: r.try_get("name").or_internal()?,
            first_seen: r.try_get("first_seen").or_internal()?,
            visits: r.try_get("visits").or_internal()?,
            latest,
        };
        let key = (
            r.try_get::<String, _>("token_hash").or_internal()?,
            SiteId(r.try_get("site_id").or_internal()?),
            TenantId(r.try_get("tenant_id").or_internal()?),
        );
        found.insert(key, Known { visitor, last_seen: r.try_get("last_seen").or_internal()? });
    }
    Ok(found)
}

async fn register_new(db: Db, mut rx: mpsc::Receiver<Registration>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        match insert(&db, &batch).await {
            Ok(mut ids) => {
                for r in batch.drain(..) {
                    let _ = r.reply.send(ids.remove(&r.token_hash).ok_or(ApiError::Internal));
                }
            }
            // One bad row must not fail its neighbours: each alone.
            Err(_) if batch.len() > 1 => {
                for r in batch.drain(..) {
                    let id = insert(&db, std::slice::from_ref(&r)).await;
                    let _ = r.reply.send(id.and_then(|mut ids| ids.remove(&r.token_hash).ok_or(ApiError::Internal)));
                }
            }
            Err(e) => {
                for r in batch.drain(..) {
                    let _ = r.reply.send(Err(e.clone()));
                }
            }
        }
    }
}

/// One multi-row insert; the new ids by token hash (random, so unique).
async fn insert(db: &Db, batch: &[Registration]) -> Result<HashMap<String, VisitorId>, ApiError> {
    let mut markers = Markers::new(db.kind);
    let rows: Vec<String> = batch
        .iter()
        .map(|_| {
            format!(
                "({}, {}, {}, NULL, {}, {}, 1)",
                markers.one(),
                markers.one(),
                markers.one(),
                markers.one(),
                markers.one()
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO visitors (tenant_id, site_id, token_hash, name, first_seen, last_seen, visits) VALUES {} \
         RETURNING id, token_hash",
        rows.join(", ")
    );
    // Not kept as a prepared statement: its text differs with every batch size, and each connection
    // would cache up to 100 of them (+13 MB at 19k visitors in the bench).
    let mut query = sqlx::query(&sql).persistent(false);
    for r in batch {
        query = query.bind(r.tenant.0).bind(r.site.0).bind(&r.token_hash).bind(r.at).bind(r.at);
    }
    let _gate = db.write_gate().await;
    let mut ids = HashMap::with_capacity(batch.len());
    for row in query.fetch_all(&db.pool).await.or_internal()? {
        ids.insert(row.try_get::<String, _>("token_hash").or_internal()?, VisitorId(row.try_get("id").or_internal()?));
    }
    Ok(ids)
}
