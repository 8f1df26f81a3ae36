//! Downloads written while they are sent (exports of any size with flat memory): a task writes
//! into [`Chunks`], which hands the HTTP body a chunk of about [`CHUNK`] bytes at a time through a
//! bounded channel, so a slow reader slows the writer instead of the server buffering the file.
//! A writer that fails midway ends the body with an error: the client sees a broken download, never
//! a complete-looking file with rows missing.

use std::io;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

/// Bytes gathered before they are handed to the body.
pub const CHUNK: usize = 64 * 1024;
/// Chunks waiting for the body at most.
const QUEUED: usize = 4;

/// What the body reads: chunks, or the error that ends it.
pub type Receiver = mpsc::Receiver<Result<Vec<u8>, io::Error>>;

/// The reader went away (the download was cancelled): stop writing.
#[derive(Debug, PartialEq, Eq)]
pub struct Gone;

/// The writing end of a download.
pub struct Chunks {
    buf: Vec<u8>,
    tx: mpsc::Sender<Result<Vec<u8>, io::Error>>,
}

impl Chunks {
    pub fn channel() -> (Chunks, Receiver) {
        let (tx, rx) = mpsc::channel(QUEUED);
        (Chunks { buf: Vec::with_capacity(CHUNK * 2), tx }, rx)
    }

    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), Gone> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= CHUNK {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), Gone> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK * 2));
        self.tx.send(Ok(chunk)).await.map_err(|_| Gone)
    }

    /// Sends what is left; the body then ends normally.
    pub async fn finish(mut self) -> Result<(), Gone> {
        self.flush().await
    }

    /// Ends the body with an error (what was written so far is not a whole file).
    pub async fn fail(self, why: &str) {
        let _ = self.tx.send(Err(io::Error::other(why.to_owned()))).await;
    }
}

/// What a download's writer ends with: written whole, the reader gone, or an error midway.
pub type Written = Result<Result<(), Gone>, kefu_protocol::ApiError>;

impl Chunks {
    /// Ends the body as `written` says: whole; quietly when the reader left; broken (and logged as
    /// `what`) after an error midway.
    pub async fn end(self, written: Written, what: &'static str) {
        match written {
            Ok(Ok(())) => {
                let _ = self.finish().await;
            }
            Ok(Err(Gone)) => {}
            Err(error) => {
                tracing::warn!(?error, what, "a download failed midway");
                self.fail("the download failed").await;
            }
        }
    }
}

/// A `std::io::Write` whose bytes are taken out between writes: what a synchronous encoder (a zip
/// archive) writes into while its owner moves the bytes on to [`Chunks`].
#[derive(Clone, Default)]
pub struct Shared(Arc<Mutex<Vec<u8>>>);

impl Shared {
    /// The bytes written since the last take.
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl io::Write for Shared {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn small_writes_arrive_as_few_chunks_in_order_and_a_failure_ends_the_body_with_an_error() {
        let (mut out, mut rx) = Chunks::channel();
        let writer = tokio::spawn(async move {
            for i in 0..20_000u32 {
                out.write(format!("{i:05}\n").as_bytes()).await.unwrap();
            }
            out.finish().await
        });
        let mut got = Vec::new();
        let mut chunks = 0;
        while let Some(chunk) = rx.recv().await {
            got.extend(chunk.unwrap());
            chunks += 1;
        }
        assert_eq!(writer.await.unwrap(), Ok(()));
        assert_eq!(got.len(), 20_000 * 6);
        assert!(got.starts_with(b"00000\n00001\n") && got.ends_with(b"19999\n"));
        assert!(chunks <= 2, "{chunks} chunks for 120 KB");

        let (mut out, mut rx) = Chunks::channel();
        out.write(b"half a file").await.unwrap();
        out.fail("database gone").await;
        assert!(rx.recv().await.unwrap().is_err(), "the error, not the half file as if whole");
    }

    #[tokio::test]
    async fn a_writer_learns_the_reader_left() {
        let (mut out, rx) = Chunks::channel();
        drop(rx);
        assert_eq!(out.write(&[0; CHUNK]).await, Err(Gone));
    }
}
