//! One open connection to a Maya commandPort (TCP or Unix socket). Strictly one
//! request at a time: a single write per command, then read the reply before
//! anything else is sent (Maya's receive side has no framing: two quick writes can
//! merge into one command).

use futures::StreamExt;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio_util::codec::FramedRead;

use super::address::MayaAddress;
use super::wire::ReplyCodec;
use crate::error::{AppError, ErrorCode};

trait Io: AsyncRead + AsyncWrite + Unpin + Send + Sync {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Sync> Io for T {}

const REPLY_POLL: Duration = Duration::from_micros(500);

pub struct PortConnection {
    reader: FramedRead<ReadHalf<Box<dyn Io>>, ReplyCodec>,
    writer: WriteHalf<Box<dyn Io>>,
}

/// What to tell the artist when nothing answers.
pub fn unreachable_message(addr: &MayaAddress, cause: &str) -> String {
    let port = addr.port().unwrap_or(7001);
    format!(
        "Maya is not reachable at {addr} ({cause}). In Maya's Script Editor (Python tab), open the port with: {}",
        super::open_port_snippet(port)
    )
}

impl PortConnection {
    pub async fn open(addr: &MayaAddress, timeout: Duration) -> Result<Self, AppError> {
        let connect = async {
            let io: Box<dyn Io> = match addr {
                MayaAddress::Tcp { host, port } => {
                    let s = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
                    s.set_nodelay(true)?;
                    Box::new(s)
                }
                #[cfg(unix)]
                MayaAddress::Unix { path } => {
                    Box::new(tokio::net::UnixStream::connect(path).await?)
                }
                #[cfg(not(unix))]
                MayaAddress::Unix { .. } => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::Unsupported,
                        "Unix sockets need Linux or macOS",
                    ))
                }
            };
            Ok::<_, std::io::Error>(io)
        };
        let io = match tokio::time::timeout(timeout, connect).await {
            Err(_) => {
                return Err(AppError::new(
                    ErrorCode::Unreachable,
                    unreachable_message(addr, "no answer to connect"),
                ))
            }
            Ok(Err(e)) => {
                return Err(AppError::new(
                    ErrorCode::Unreachable,
                    unreachable_message(addr, &e.to_string()),
                ))
            }
            Ok(Ok(io)) => io,
        };
        let (r, w) = tokio::io::split(io);
        Ok(Self {
            reader: FramedRead::new(r, ReplyCodec::default()),
            writer: w,
        })
    }

    /// Sends one command in a single write.
    pub async fn send(&mut self, line: &str) -> std::io::Result<()> {
        self.writer.write_all(line.as_bytes()).await?;
        self.writer.flush().await
    }

    /// Reads the next reply. `None` means Maya closed the connection.
    pub async fn reply(&mut self) -> std::io::Result<Option<String>> {
        self.reader.next().await.transpose()
    }

    /// Sends and waits for the reply, with a timeout. On timeout the connection is
    /// still owed a reply: the caller must read it (or drop the connection) before reuse.
    pub async fn request(&mut self, line: &str, timeout: Duration) -> Result<String, RequestError> {
        self.send(line).await.map_err(RequestError::Io)?;
        // A quick command's reply comes within a fraction of a millisecond: poll for it
        // that long instead of sleeping (waking a sleeping thread costs tens of µs on a
        // virtual machine). Runs are rare, so the spent CPU is nothing; then sleep.
        // Yielding lets the runtime look at the socket without parking the thread.
        let until = std::time::Instant::now() + REPLY_POLL;
        let reply = async {
            loop {
                tokio::select! {
                    biased;
                    r = self.reader.next() => return r.transpose(),
                    _ = tokio::task::yield_now(), if std::time::Instant::now() < until => {}
                }
            }
        };
        match tokio::time::timeout(timeout, reply).await {
            Err(_) => Err(RequestError::Timeout),
            Ok(Err(e)) => Err(RequestError::Io(e)),
            Ok(Ok(None)) => Err(RequestError::Closed),
            Ok(Ok(Some(r))) => Ok(r),
        }
    }

    /// Half-closes our side after the last reply was read, so Maya sees a clean EOF.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_millis(200), self.writer.shutdown()).await;
    }
}

#[derive(Debug)]
pub enum RequestError {
    Timeout,
    Closed,
    Io(std::io::Error),
}

impl RequestError {
    pub fn into_app(self, addr: &MayaAddress, waited: Duration) -> AppError {
        match self {
            RequestError::Timeout => AppError::new(
                ErrorCode::Timeout,
                format!(
                    "Maya at {addr} did not answer within {:.0} s: it is busy running something, or showing its \
                     security dialog (Allow / Deny) — look at Maya's window.",
                    waited.as_secs_f64()
                ),
            ),
            RequestError::Closed => AppError::new(
                ErrorCode::Unreachable,
                format!("Maya at {addr} closed the connection before answering (Maya quit or crashed, or the port was closed)."),
            ),
            RequestError::Io(e) => AppError::new(ErrorCode::Unreachable, format!("Lost the connection to Maya at {addr}: {e}")),
        }
    }
}
