//! Where uploaded files' bytes live: a directory (`KEFU_FILES_DIR`, default `KEFU_DATA_DIR/files`),
//! or, for several nodes without a shared filesystem, an S3-compatible bucket (`KEFU_S3_BUCKET`
//! and friends, README "Configuration"). Keys are made by the files area from ids it generated
//! (`<tenant>/<32 hex digits>`), never from anything a client sent, and are checked again here so
//! no key can leave the root (or the bucket's prefix).
//!
//! In a directory, a write goes to a temporary file in the same directory, is synced, and is renamed
//! into place: a reader never sees half a file, and a crash leaves at most a stray temporary file.
//! An S3 PUT is atomic by itself.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kefu_protocol::ApiError;
use object_store::ObjectStore as _;
use tokio::io::AsyncWriteExt;

/// An S3-compatible bucket (AWS S3, MinIO, Ceph, OSS/COS in S3 mode).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Config {
    pub bucket: String,
    /// The service's URL (`None`: AWS in `region`); `http://` is allowed for a local server.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Put before every key (`kefu/`), so one bucket can hold other things too.
    pub prefix: String,
}

/// The file store: one directory or one bucket.
#[derive(Clone)]
pub struct FileStore {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Dir(PathBuf),
    S3 { store: Arc<object_store::aws::AmazonS3>, prefix: String },
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.backend {
            Backend::Dir(root) => write!(f, "FileStore::Dir({})", root.display()),
            Backend::S3 { store, prefix } => write!(f, "FileStore::S3({store}, prefix {prefix:?})"),
        }
    }
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> FileStore {
        FileStore { backend: Backend::Dir(root.into()) }
    }

    /// A bucket; a configuration the client refuses is an error here, at startup.
    pub fn s3(config: &S3Config) -> Result<FileStore, String> {
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(&config.secret_access_key);
        if let Some(endpoint) = &config.endpoint {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        let store = builder.build().map_err(|e| format!("KEFU_S3_*: {e}"))?;
        Ok(FileStore { backend: Backend::S3 { store: Arc::new(store), prefix: config.prefix.clone() } })
    }

    /// `key` checked: `<tenant digits>/<hex>`; anything else is refused.
    fn checked(key: &str) -> Result<(&str, &str), ApiError> {
        let (tenant, name) = key.split_once('/').ok_or(ApiError::Internal)?;
        let digits = !tenant.is_empty() && tenant.bytes().all(|b| b.is_ascii_digit());
        if !digits || !kefu_protocol::file::is_file_id(name) {
            return Err(ApiError::Internal);
        }
        Ok((tenant, name))
    }

    /// The path of `key` in a directory store.
    fn path(root: &Path, key: &str) -> Result<PathBuf, ApiError> {
        let (tenant, name) = Self::checked(key)?;
        Ok(root.join(tenant).join(name))
    }

    /// The object of `key` in a bucket.
    fn object(prefix: &str, key: &str) -> Result<object_store::path::Path, ApiError> {
        Self::checked(key)?;
        object_store::path::Path::parse(format!("{prefix}{key}")).map_err(|_| ApiError::Internal)
    }

    /// Stores `bytes` under `key` durably (a directory: written, synced, renamed into place).
    pub async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), ApiError> {
        let root = match &self.backend {
            Backend::Dir(root) => root,
            Backend::S3 { store, prefix } => {
                let object = Self::object(prefix, key)?;
                store.put(&object, bytes.to_vec().into()).await.map_err(s3_error)?;
                return Ok(());
            }
        };
        let path = Self::path(root, key)?;
        let dir = path.parent().ok_or(ApiError::Internal)?;
        tokio::fs::create_dir_all(dir).await.map_err(io_error)?;
        let temp = dir.join(format!(".{}.part", path.file_name().and_then(|n| n.to_str()).unwrap_or("f")));
        let mut file = tokio::fs::File::create(&temp).await.map_err(io_error)?;
        let written = async {
            file.write_all(bytes).await?;
            file.sync_all().await
        }
        .await;
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(io_error(e));
        }
        tokio::fs::rename(&temp, &path).await.map_err(io_error)
    }

    /// The bytes under `key` (`NotFound` when there are none).
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, ApiError> {
        match &self.backend {
            Backend::Dir(root) => match tokio::fs::read(Self::path(root, key)?).await {
                Ok(bytes) => Ok(bytes),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ApiError::NotFound),
                Err(e) => Err(io_error(e)),
            },
            Backend::S3 { store, prefix } => {
                let object = Self::object(prefix, key)?;
                match store.get(&object).await {
                    Ok(found) => Ok(found.bytes().await.map_err(s3_error)?.to_vec()),
                    Err(object_store::Error::NotFound { .. }) => Err(ApiError::NotFound),
                    Err(e) => Err(s3_error(e)),
                }
            }
        }
    }

    /// Deletes `key`; deleting what is not there is no error.
    pub async fn remove(&self, key: &str) -> Result<(), ApiError> {
        match &self.backend {
            Backend::Dir(root) => match tokio::fs::remove_file(Self::path(root, key)?).await {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(io_error(e)),
            },
            Backend::S3 { store, prefix } => match store.delete(&Self::object(prefix, key)?).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(s3_error(e)),
            },
        }
    }
}

fn io_error(error: std::io::Error) -> ApiError {
    tracing::error!(%error, "file store");
    ApiError::Internal
}

fn s3_error(error: object_store::Error) -> ApiError {
    tracing::error!(%error, "file store (S3)");
    ApiError::Internal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keys_stay_inside_the_root_and_files_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path());
        let key = "7/0123456789abcdef0123456789abcdef";
        store.put(key, "报价单".as_bytes()).await.unwrap();
        assert_eq!(store.get(key).await.unwrap(), "报价单".as_bytes());
        for bad in ["../0123456789abcdef0123456789abcdef", "7/../../etc/passwd", "7/x", "/etc/passwd", "7"] {
            assert_eq!(store.put(bad, b"x").await, Err(ApiError::Internal), "{bad}");
            assert_eq!(store.get(bad).await, Err(ApiError::Internal), "{bad}");
        }
        store.remove(key).await.unwrap();
        assert_eq!(store.get(key).await, Err(ApiError::NotFound));
        store.remove(key).await.unwrap();
    }
}
