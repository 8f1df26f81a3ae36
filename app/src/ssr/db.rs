//! The connection pool. SQLite (embedded, the default) and PostgreSQL run the same queries through
//! sqlx's `Any` driver: placeholders are `$n`, times are unix milliseconds, ids are `i64`.

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

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
}

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
        Ok(Db { pool, kind })
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
