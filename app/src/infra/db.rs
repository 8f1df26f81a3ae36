//! The database handle. SQLite (embedded, the default) and PostgreSQL run the same queries through
//! sqlx's `Any` driver: placeholders are `$n` (or [`Markers`]), times are unix milliseconds, ids
//! are `i64`.
//!
//! Reads and writes go different ways, so that the write path is a type and not a convention:
//! - [`Db::reader`] is for `SELECT`s. Its connections are read-only (`PRAGMA query_only` on SQLite,
//!   read-only transactions on PostgreSQL): a write there fails, in tests and in production alike.
//! - [`Db::write`] is the only way to write (a pool of its own on PostgreSQL). On SQLite it takes
//!   this process's write gate, which owns the one write connection. SQLite has one writer at a
//!   time per file, and writers that meet at the file lock fall into
//!   SQLite's busy handler, which sleeps in steps of 1, 2, 5, 10, 15… ms whether or not the lock
//!   frees meanwhile (that was a 30–35 ms ack p99 at any message rate). Behind the gate they queue
//!   and wake the moment the previous one commits.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use kefu_protocol::ApiError;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::OrInternal;

pub static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
pub static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Db {
    read: AnyPool,
    write: WritePath,
    pub kind: DbKind,
}

/// Where writes go.
#[derive(Clone, Debug)]
enum WritePath {
    /// SQLite: the one write connection, behind the process's write gate. Holding the connection
    /// in the gate (instead of a pool) saves each commit a pool checkout and the asynchronous
    /// return after it; `None` after a failure left it in doubt (reopened on the next write).
    Sqlite { gate: Arc<Mutex<Option<AnyConnection>>>, url: Arc<str> },
    /// PostgreSQL: a pool; writers run in parallel.
    Postgres(AnyPool),
}

pub type Row = AnyRow;

enum Held {
    Sqlite(OwnedMutexGuard<Option<AnyConnection>>),
    Postgres(PoolConnection<Any>),
}

/// A connection that may write (on SQLite: the write gate, held until dropped). Derefs to the
/// connection, so `query.execute(&mut *w)` works. [`Writer::begin`] + [`Writer::end`] make one
/// transaction.
pub struct Writer {
    held: Held,
    kind: DbKind,
    in_transaction: bool,
}

impl Deref for Writer {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match &self.held {
            Held::Sqlite(guard) => guard.as_ref().expect("the write connection is open while a Writer exists"),
            Held::Postgres(conn) => conn,
        }
    }
}

impl DerefMut for Writer {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.held {
            Held::Sqlite(guard) => guard.as_mut().expect("the write connection is open while a Writer exists"),
            Held::Postgres(conn) => conn,
        }
    }
}

impl Writer {
    /// Which database this writes to (for SQL that differs, and for its markers).
    pub fn kind(&self) -> DbKind {
        self.kind
    }

    /// Starts a transaction. On SQLite it takes the write lock up front: a deferred transaction that
    /// reads first and then writes fails at once (no busy wait) when another connection wrote in
    /// between.
    pub async fn begin(&mut self) -> Result<(), ApiError> {
        let begin = match self.kind {
            DbKind::Sqlite => "BEGIN IMMEDIATE",
            DbKind::Postgres => "BEGIN",
        };
        sqlx::query(begin).execute(&mut **self).await.or_internal()?;
        self.in_transaction = true;
        Ok(())
    }

    /// Ends the transaction begun by [`Writer::begin`]: commits when `result` is `Ok`, rolls back
    /// otherwise. A failed commit is an error: nothing was written.
    pub async fn end<T>(mut self, result: Result<T, ApiError>) -> Result<T, ApiError> {
        let failed = match result {
            Ok(value) => match sqlx::query("COMMIT").execute(&mut *self).await.or_internal() {
                Ok(_) => {
                    self.in_transaction = false;
                    return Ok(value);
                }
                Err(e) => e,
            },
            Err(e) => e,
        };
        if sqlx::query("ROLLBACK").execute(&mut *self).await.is_ok() {
            self.in_transaction = false;
        }
        // Otherwise `in_transaction` stays set and the drop below discards the connection.
        Err(failed)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if self.in_transaction {
            // A transaction left open (a failed rollback, a panic or a cancelled future): the
            // connection cannot be trusted, so it is closed rather than used again.
            tracing::warn!("a write transaction was not ended; its connection is discarded");
            match &mut self.held {
                Held::Sqlite(guard) => **guard = None,
                Held::Postgres(conn) => conn.close_on_drop(),
            }
        }
    }
}

/// The SQLite settings of the write connection: WAL lets readers run beside the writer;
/// synchronous=FULL makes every commit durable before it returns, which is what an ack promises.
const SQLITE_WRITER: &str =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;";

/// The SQLite settings while migrating: as the writer's, with foreign keys off.
const SQLITE_MIGRATING: &str =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=OFF;";

/// Opens the SQLite write connection. Boxed, with an owned URL: otherwise callers' futures fail
/// the `Send` check (a rustc limit with higher-ranked lifetimes in nested async code).
type Opening = std::pin::Pin<Box<dyn std::future::Future<Output = Result<AnyConnection, sqlx::Error>> + Send>>;

fn sqlite_writer(url: String) -> Opening {
    Box::pin(async move {
        let mut conn = AnyConnection::connect(&url).await?;
        conn.execute(sqlx::raw_sql(SQLITE_WRITER)).await?;
        Ok(conn)
    })
}

impl Db {
    /// Connects and runs the migrations. `url` is `sqlite://path?mode=rwc` or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let kind = if url.starts_with("sqlite:") {
            DbKind::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            DbKind::Postgres
        } else {
            return Err(sqlx::Error::Configuration("DATABASE_URL must start with sqlite: or postgres:".into()));
        };
        // Pools hand out connections without pinging them first (`test_before_acquire`): the ping
        // was a round trip before every statement's own, a third of a small message batch on
        // PostgreSQL. A connection that broke meanwhile fails its statement and is dropped.
        let (write, read) = match kind {
            DbKind::Sqlite => {
                // Migrations first, through a one-connection pool that also creates the file and
                // sets WAL; then the write connection and the readers open. Foreign keys are off
                // while migrating, as SQLite's table-rebuild procedure requires (a migration runs in
                // a transaction, where the pragma cannot change), and checked when it is done.
                let setup = AnyPoolOptions::new()
                    .max_connections(1)
                    .after_connect(|conn, _| {
                        Box::pin(async move { conn.execute(sqlx::raw_sql(SQLITE_MIGRATING)).await.map(|_| ()) })
                    })
                    .connect(url)
                    .await?;
                SQLITE_MIGRATIONS.run(&setup).await?;
                let orphans = sqlx::query("PRAGMA foreign_key_check").fetch_all(&setup).await?;
                setup.close().await;
                if !orphans.is_empty() {
                    return Err(sqlx::Error::Configuration(
                        format!("the migrated database has {} rows whose foreign keys point nowhere", orphans.len())
                            .into(),
                    ));
                }
                let writer = sqlite_writer(url.to_owned()).await?;
                let read = AnyPoolOptions::new()
                    .max_connections(8)
                    .test_before_acquire(false)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(sqlx::raw_sql("PRAGMA busy_timeout=10000; PRAGMA query_only=ON;")).await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?;
                (WritePath::Sqlite { gate: Arc::new(Mutex::new(Some(writer))), url: url.into() }, read)
            }
            DbKind::Postgres => {
                let write = AnyPoolOptions::new().max_connections(8).test_before_acquire(false).connect(url).await?;
                POSTGRES_MIGRATIONS.run(&write).await?;
                let read = AnyPoolOptions::new()
                    .max_connections(12)
                    .test_before_acquire(false)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY").await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?;
                (WritePath::Postgres(write), read)
            }
        };
        Ok(Db { read, write, kind })
    }

    /// The pool for reading. Its connections refuse writes.
    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// Waits for this process's turn to write (SQLite; at once on PostgreSQL) and a connection to
    /// write with. Hold it no longer than one transaction.
    pub async fn write(&self) -> Result<Writer, ApiError> {
        let held = match &self.write {
            WritePath::Sqlite { gate, url } => {
                let mut guard = gate.clone().lock_owned().await;
                if guard.is_none() {
                    *guard = Some(sqlite_writer(url.to_string()).await.or_internal()?);
                }
                Held::Sqlite(guard)
            }
            WritePath::Postgres(pool) => Held::Postgres(pool.acquire().await.or_internal()?),
        };
        Ok(Writer { held, kind: self.kind, in_transaction: false })
    }
}

/// `text` for a `LIKE … ESCAPE '\' pattern: its `%`, `_` and `\` match themselves.
pub fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Moves `id` one place up (`up`) or down in `order`; `false` at either end (nothing moves),
/// `NotFound` when it is not there. For lists people order with ↑/↓.
pub fn move_one(order: &mut [i64], id: i64, up: bool) -> Result<Option<(usize, usize)>, ApiError> {
    let at = order.iter().position(|r| *r == id).ok_or(ApiError::NotFound)?;
    let to = if up { at.checked_sub(1) } else { Some(at + 1).filter(|t| *t < order.len()) };
    Ok(to.map(|to| {
        order.swap(at, to);
        (at, to)
    }))
}

/// Moves `id` to where `at` is in `order` (`at` and the rows between shift by one): a row dragged
/// onto another. `false` when it is already there; `NotFound` when either is not in `order` (not
/// the same list).
pub fn move_to(order: &mut Vec<i64>, id: i64, at: i64) -> Result<bool, ApiError> {
    let from = order.iter().position(|r| *r == id).ok_or(ApiError::NotFound)?;
    let to = order.iter().position(|r| *r == at).ok_or(ApiError::NotFound)?;
    if from == to {
        return Ok(false);
    }
    let row = order.remove(from);
    order.insert(to, row);
    Ok(true)
}

/// Stores `ids` as the `sort_order` (0, 1, 2, …) of their rows in `table` (a name from the code,
/// never from a request).
pub async fn set_order(
    w: &mut Writer,
    table: &'static str,
    tenant: kefu_protocol::TenantId,
    ids: &[i64],
) -> Result<(), ApiError> {
    let sql = format!("UPDATE {table} SET sort_order = $1 WHERE id = $2 AND tenant_id = $3");
    for (position, id) in ids.iter().enumerate() {
        sqlx::query(&sql).bind(position as i64).bind(id).bind(tenant.0).execute(&mut **w).await.or_internal()?;
    }
    Ok(())
}

/// Why an update guarded by `version = $v` changed nothing: `Stale` when the row is still there
/// (someone saved it meanwhile), `NotFound` when the tenant has no such row. `table` is a name from
/// the code, never from a request.
pub async fn stale_or_missing(
    w: &mut Writer,
    table: &'static str,
    id: i64,
    tenant: kefu_protocol::TenantId,
) -> ApiError {
    let deleted = if matches!(table, "agents" | "sites") { " AND deleted_at IS NULL" } else { "" };
    let found = sqlx::query(&format!("SELECT 1 FROM {table} WHERE id = $1 AND tenant_id = $2{deleted}"))
        .bind(id)
        .bind(tenant.0)
        .fetch_optional(&mut **w)
        .await;
    match found {
        Ok(Some(_)) => ApiError::conflict(None, kefu_protocol::ErrorCode::Stale),
        Ok(None) => ApiError::NotFound,
        Err(e) => Err::<(), _>(e).or_internal().unwrap_err(),
    }
}

/// Statements whose text grows with a batch (one marker list per row) are prepared and kept per
/// connection up to this many rows: the small batches of a quiet or steady server are prepared once
/// (on PostgreSQL an unprepared statement costs a round trip more); the rare big ones are not kept.
pub const PREPARED_UP_TO: usize = 16;

/// A value for a marker of a statement whose parts depend on a filter, kept in marker order.
pub enum Bind {
    Int(i64),
    Text(String),
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;
type AnyScalar<'q, O> = sqlx::query::QueryScalar<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>;

/// A statement with its run-time binds applied, in order.
pub fn bound<'q>(mut query: AnyQuery<'q>, binds: &'q [Bind]) -> AnyQuery<'q> {
    for bind in binds {
        query = match bind {
            Bind::Int(v) => query.bind(*v),
            Bind::Text(t) => query.bind(t.as_str()),
        };
    }
    query
}

/// A one-column statement with its run-time binds applied, in order.
pub fn bound_scalar<'q, O>(mut query: AnyScalar<'q, O>, binds: &'q [Bind]) -> AnyScalar<'q, O> {
    for bind in binds {
        query = match bind {
            Bind::Int(v) => query.bind(*v),
            Bind::Text(t) => query.bind(t.as_str()),
        };
    }
    query
}

/// Bind parameter markers, handed out in the order of the SQL text (which is the bind order):
/// `$1, $2, …` on PostgreSQL, plain `?` on SQLite. sqlx looks every numbered SQLite parameter up
/// by its name, a linear scan per parameter: a batch of 500 messages (4,500 parameters) cost
/// O(n²) string compares, half of the server's CPU at 5,000 msg/s.
pub struct Markers {
    kind: DbKind,
    n: usize,
}

impl Markers {
    pub fn new(kind: DbKind) -> Markers {
        Markers { kind, n: 0 }
    }

    pub fn one(&mut self) -> String {
        self.n += 1;
        match self.kind {
            DbKind::Sqlite => "?".to_owned(),
            DbKind::Postgres => format!("${}", self.n),
        }
    }

    pub fn list(&mut self, count: usize) -> String {
        (0..count).map(|_| self.one()).collect::<Vec<_>>().join(", ")
    }
}
