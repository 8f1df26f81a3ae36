//! The SQLite and PostgreSQL migrations describe one schema. Both are applied (through the real
//! `Db::connect`) and their catalogs compared: tables, columns (types mapped: INTEGER ↔ BIGINT,
//! TEXT ↔ TEXT), NOT NULL, defaults, primary keys, indexes (columns, unique, partial) and foreign
//! keys. A change made to one dialect only fails here, naming the difference. The message search
//! index (`message_search*`: FTS5 on SQLite, a tsvector on PostgreSQL) differs by design and is
//! left out; `tests/api/records.rs` runs one table of searches on both. Run by
//! `make test-postgres` (needs `KEFU_TEST_DATABASE_URL`).

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::collections::BTreeSet;

use app::infra::db::Db;
use sqlx::{Connection, Row};

/// One fact of a schema, in a form both dialects share.
/// Whether a table is the search index, dialect-specific by design.
fn search_index(table: &str) -> bool {
    table.starts_with("message_search")
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Fact {
    /// table, column, type class, not null, default, primary key
    Column(String, String, String, bool, Option<String>, bool),
    /// table, columns in order, unique, partial
    Index(String, String, bool, bool),
    /// table, column → table, column
    ForeignKey(String, String, String, String),
}

fn type_class(declared: &str) -> String {
    match declared.to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "int" | "int8" => "integer".into(),
        "text" => "text".into(),
        "blob" | "bytea" => "bytes".into(),
        other => format!("unmapped:{other}"),
    }
}

/// `'open'::text` and `'open'` are the same default; so are `1` and `(1)`.
fn default_value(raw: Option<String>) -> Option<String> {
    raw.map(|d| d.split("::").next().unwrap_or_default().trim_matches(|c| c == '(' || c == ')').to_owned())
}

async fn sqlite_facts(url: &str) -> BTreeSet<Fact> {
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' \
         AND name NOT LIKE 'message_search%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut facts = BTreeSet::new();
    for table in tables {
        for c in sqlx::query("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info($1)")
            .bind(&table)
            .fetch_all(&mut conn)
            .await
            .unwrap()
        {
            let pk = c.get::<i64, _>("pk") > 0;
            facts.insert(Fact::Column(
                table.clone(),
                c.get("name"),
                type_class(c.get("type")),
                c.get::<i64, _>("notnull") != 0 || pk,
                default_value(c.get("dflt_value")),
                pk,
            ));
        }
        for i in sqlx::query("SELECT name, \"unique\", origin, partial FROM pragma_index_list($1)")
            .bind(&table)
            .fetch_all(&mut conn)
            .await
            .unwrap()
        {
            if i.get::<String, _>("origin") == "pk" {
                continue;
            }
            let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                .bind(i.get::<String, _>("name"))
                .fetch_all(&mut conn)
                .await
                .unwrap();
            facts.insert(Fact::Index(
                table.clone(),
                columns.join(","),
                i.get::<i64, _>("unique") != 0,
                i.get::<i64, _>("partial") != 0,
            ));
        }
        for f in sqlx::query("SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list($1)")
            .bind(&table)
            .fetch_all(&mut conn)
            .await
            .unwrap()
        {
            facts.insert(Fact::ForeignKey(table.clone(), f.get("from"), f.get("table"), f.get("to")));
        }
    }
    facts
}

async fn postgres_facts(url: &str) -> BTreeSet<Fact> {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let mut facts = BTreeSet::new();
    let keys: BTreeSet<(String, String)> = sqlx::query(
        "SELECT cl.relname::text AS t, a.attname::text AS c FROM pg_constraint k \
         JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey) \
         WHERE k.contype = 'p' AND cl.relnamespace = 'public'::regnamespace",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .map(|r| (r.get("t"), r.get("c")))
    .collect();
    for c in sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS ty, is_nullable::text AS nullable, \
         column_default::text AS dflt FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    {
        let (table, column): (String, String) = (c.get("t"), c.get("c"));
        let pk = keys.contains(&(table.clone(), column.clone()));
        facts.insert(Fact::Column(
            table,
            column,
            type_class(c.get("ty")),
            c.get::<String, _>("nullable") == "NO",
            default_value(c.get("dflt")),
            pk,
        ));
    }
    for i in sqlx::query(
        "SELECT t.relname::text AS t, ix.indisunique AS uniq, ix.indpred IS NOT NULL AS partial, \
         array_to_string(ARRAY(SELECT a.attname::text FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord) \
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord), ',') AS cols \
         FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid \
         WHERE t.relnamespace = 'public'::regnamespace AND t.relname <> '_sqlx_migrations' AND NOT ix.indisprimary",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    {
        facts.insert(Fact::Index(i.get("t"), i.get("cols"), i.get("uniq"), i.get("partial")));
    }
    for f in sqlx::query(
        "SELECT cl.relname::text AS t, a.attname::text AS c, fcl.relname::text AS ft, fa.attname::text AS fc \
         FROM pg_constraint k JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_class fcl ON fcl.oid = k.confrelid \
         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] \
         JOIN pg_attribute fa ON fa.attrelid = k.confrelid AND fa.attnum = k.confkey[1] \
         WHERE k.contype = 'f' AND cl.relnamespace = 'public'::regnamespace",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    {
        facts.insert(Fact::ForeignKey(f.get("t"), f.get("c"), f.get("ft"), f.get("fc")));
    }
    facts.retain(|f| match f {
        Fact::Column(t, ..) | Fact::Index(t, ..) | Fact::ForeignKey(t, ..) => !search_index(t),
    });
    facts
}

/// What one side has and the other lacks, readably.
fn drift(sqlite: &BTreeSet<Fact>, postgres: &BTreeSet<Fact>) -> Vec<String> {
    let only = |a: &BTreeSet<Fact>, b: &BTreeSet<Fact>, side: &str| {
        a.difference(b).map(|f| format!("only in {side}: {f:?}")).collect::<Vec<_>>()
    };
    let mut out = only(sqlite, postgres, "SQLite");
    out.extend(only(postgres, sqlite, "PostgreSQL"));
    out
}

struct Both {
    sqlite_url: String,
    postgres_url: String,
    _dir: tempfile::TempDir,
    _postgres: helpers::TempDatabase,
}

async fn migrate_both() -> Both {
    let admin = std::env::var("KEFU_TEST_DATABASE_URL").expect("the schema test needs KEFU_TEST_DATABASE_URL");
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = kefu_server::config::sqlite_url(dir.path()).unwrap();
    let postgres = helpers::fresh_postgres(&admin).await;
    let postgres_url = postgres.url.clone();
    Db::connect(&sqlite_url).await.expect("SQLite migrations apply");
    Db::connect(&postgres_url).await.expect("PostgreSQL migrations apply");
    Both { sqlite_url, postgres_url, _dir: dir, _postgres: postgres }
}

#[tokio::test]
async fn sqlite_and_postgres_migrations_give_the_same_schema() {
    let both = migrate_both().await;
    let sqlite = sqlite_facts(&both.sqlite_url).await;
    let postgres = postgres_facts(&both.postgres_url).await;
    assert!(sqlite.len() > 60, "the catalog was read: {} facts", sqlite.len());
    let differences = drift(&sqlite, &postgres);
    assert!(differences.is_empty(), "the two schemas differ:\n{}", differences.join("\n"));
}

/// The comparison sees a column, an index and a type that only one dialect has.
#[tokio::test]
async fn a_change_to_one_dialect_only_is_reported() {
    let both = migrate_both().await;
    let mut conn = sqlx::SqliteConnection::connect(&both.sqlite_url).await.unwrap();
    sqlx::raw_sql("ALTER TABLE roles ADD COLUMN colour TEXT; CREATE INDEX roles_name ON roles(name);")
        .execute(&mut conn)
        .await
        .unwrap();
    let mut pg = sqlx::PgConnection::connect(&both.postgres_url).await.unwrap();
    sqlx::raw_sql("ALTER TABLE sites ALTER COLUMN name TYPE VARCHAR(80)").execute(&mut pg).await.unwrap();
    let differences = drift(&sqlite_facts(&both.sqlite_url).await, &postgres_facts(&both.postgres_url).await);
    let text = differences.join("\n");
    assert!(text.contains("only in SQLite: Column(\"roles\", \"colour\""), "{text}");
    assert!(text.contains("only in SQLite: Index(\"roles\", \"name\", false, false)"), "{text}");
    assert!(text.contains("only in PostgreSQL: Column(\"sites\", \"name\", \"unmapped:character varying\""), "{text}");
}
