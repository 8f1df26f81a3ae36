//! Where uploaded files' bytes live: a directory (`KEFU_FILES_DIR`, default `KEFU_DATA_DIR/files`).
//! Keys are made by the files area from ids it generated (`<tenant>/<32 hex digits>`), never from
//! anything a client sent, and are checked again here so no key can leave the root.
//!
//! A write goes to a temporary file in the same directory, is synced, and is renamed into place: a
//! reader never sees half a file, and a crash leaves at most a stray temporary file.

use std::path::{Path, PathBuf};

use kefu_protocol::ApiError;
use tokio::io::AsyncWriteExt;

/// The file store: one directory.
#[derive(Clone, Debug)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> FileStore {
        FileStore { root: root.into() }
    }

    /// The path of `key`: `<tenant digits>/<hex>`; anything else is refused.
    fn path(&self, key: &str) -> Result<PathBuf, ApiError> {
        let (tenant, name) = key.split_once('/').ok_or(ApiError::Internal)?;
        let digits = !tenant.is_empty() && tenant.bytes().all(|b| b.is_ascii_digit());
        if !digits || !kefu_protocol::file::is_file_id(name) {
            return Err(ApiError::Internal);
        }
        Ok(self.root.join(tenant).join(name))
    }

    /// Stores `bytes` under `key` durably (written, synced, renamed into place).
    pub async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), ApiError> {
        let path = self.path(key)?;
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
        match tokio::fs::read(self.path(key)?).await {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ApiError::NotFound),
            Err(e) => Err(io_error(e)),
        }
    }

    /// Deletes `key`; deleting what is not there is no error.
    pub async fn remove(&self, key: &str) -> Result<(), ApiError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error(e)),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

fn io_error(error: std::io::Error) -> ApiError {
    tracing::error!(%error, "file store");
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
