//! The connection pool. SQLite (embedded, the default) and PostgreSQL run the same queries through
//! sqlx's `Any` driver: placeholders are `$n`, times are unix milliseconds, ids are `i64`.

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub kind: DbKind,
    /// SQLite has one writer at a time per file. Writers that meet at the file lock fall into
    /// SQLite's busy handler, which sleeps in steps of 1, 2, 5, 10, 15… ms whether or not the lock
    /// frees meanwhile: that was a 30–35 ms ack p99 at any message rate. Every write in this process
    /// takes this gate first, so they queue here and wake the moment the previous one commits.
    write_gate: Option<Arc<Mutex<()>>>,
}

/// Held for the length of one write transaction (see [`Db::write_gate`]); nothing on PostgreSQL.
pub type WriteGuard = Option<OwnedMutexGuard<()>>;

pub type Row = AnyRow;

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
        let pool = match kind {
            DbKind::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // WAL lets readers run beside the writer; synchronous=FULL makes every commit
                            // durable before it returns, which is what an ack promises.
                            conn.execute(sqlx::raw_sql(
                                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
                                 PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;",
                            ))
                            .await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?
            }
            DbKind::Postgres => AnyPoolOptions::new().max_connections(16).connect(url).await?,
        };
        let migrator = match kind {
            DbKind::Sqlite => &SQLITE_MIGRATIONS,
            DbKind::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&pool).await?;
        let write_gate = (kind == DbKind::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Db { pool, kind, write_gate })
    }

    /// Waits for this process's turn to write (SQLite; at once on PostgreSQL). Take it before
    /// acquiring the connection that writes, and hold it until the transaction ends.
    pub async fn write_gate(&self) -> WriteGuard {
        match &self.write_gate {
            Some(gate) => Some(gate.clone().lock_owned().await),
            None => None,
        }
    }
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
