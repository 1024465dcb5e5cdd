//! A scripted fake upstream on 127.0.0.1: raw HTTP/1.1 over a tokio listener, so tests control
//! every byte — chunked SSE, JSON errors, a connection dropped mid-body, a server that hangs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Longer than any client timeout used in the tests; the runtime ends it with the test.
const HANG: Duration = Duration::from_secs(60);

/// One piece of a streamed body.
#[derive(Clone, Debug)]
pub enum Part {
    /// Raw bytes, sent as one HTTP chunk.
    Raw(String),
    /// Close the connection without ending the chunked body.
    Drop,
    /// Stop sending but keep the connection open.
    Hang,
}

/// An SSE `data:` event.
pub fn data(json: &str) -> Part {
    Part::Raw(format!("data: {json}\n\n"))
}

/// An SSE event with a name, as Anthropic sends them.
pub fn event(name: &str, json: &str) -> Part {
    Part::Raw(format!("event: {name}\ndata: {json}\n\n"))
}

/// What the fake answers to every request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A complete response with a body (used for errors).
    Full { status: u16, headers: Vec<(String, String)>, body: String },
    /// `200 text/event-stream`, chunked, with these parts; ends cleanly unless a part says not.
    Stream(Vec<Part>),
    /// Read the request and never answer.
    HangBeforeHead,
}

impl Reply {
    pub fn error(status: u16, body: &str) -> Self {
        Reply::Full {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let Reply::Full { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

/// A request as the fake received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Header names lowercased.
    pub headers: HashMap<String, String>,
    pub body: serde_json::Value,
}

pub struct Fake {
    pub base: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Fake {
    /// Starts the fake on a free port; `prefix` is appended to the base URL (e.g. `/v1`).
    pub async fn start(reply: Reply, prefix: &str) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, reply.clone(), log.clone()));
            }
        });
        Fake { base: format!("http://{addr}{prefix}"), requests }
    }

    /// The single request received so far.
    pub fn request(&self) -> Recorded {
        let requests = self.requests.lock().expect("lock");
        assert_eq!(requests.len(), 1, "expected exactly one request");
        requests[0].clone()
    }
}

async fn serve(mut socket: TcpStream, reply: Reply, log: Arc<Mutex<Vec<Recorded>>>) {
    let Some(recorded) = read_request(&mut socket).await else {
        return;
    };
    log.lock().expect("lock").push(recorded);
    // Write errors mean the client went away, which some tests do on purpose.
    let _ = respond(&mut socket, reply).await;
}

async fn respond(socket: &mut TcpStream, reply: Reply) -> std::io::Result<()> {
    match reply {
        Reply::HangBeforeHead => tokio::time::sleep(HANG).await,
        Reply::Full { status, headers, body } => {
            let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("connection: close\r\n\r\n");
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(body.as_bytes()).await?;
        }
        Reply::Stream(parts) => stream(socket, parts).await?,
    }
    socket.flush().await
}

async fn stream(socket: &mut TcpStream, parts: Vec<Part>) -> std::io::Result<()> {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
                transfer-encoding: chunked\r\ncache-control: no-cache\r\n\r\n";
    socket.write_all(head.as_bytes()).await?;
    for part in parts {
        match part {
            Part::Raw(text) => {
                let chunk = format!("{:x}\r\n{text}\r\n", text.len());
                socket.write_all(chunk.as_bytes()).await?;
                socket.flush().await?;
            }
            Part::Drop => return socket.shutdown().await,
            Part::Hang => {
                tokio::time::sleep(HANG).await;
                return Ok(());
            }
        }
    }
    socket.write_all(b"0\r\n\r\n").await
}

async fn read_request(socket: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        let mut chunk = [0u8; 4096];
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let path = request_line.next()?.to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers.get("content-length")?.parse().ok()?;
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let mut chunk = [0u8; 4096];
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::from_slice(&body[..len]).ok()?;
    Some(Recorded { method, path, headers, body })
}
