//! A TCP proxy to PostgreSQL that a test can cut (every connection dropped, new ones closed at
//! once, as when the database host goes away), blackhole (connections stay open but nothing
//! passes, as when a network drops packets) and restore.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::net::{TcpListener, TcpStream};

pub struct Proxy {
    pub port: u16,
    up: Arc<AtomicBool>,
    /// While set, bytes are held, not forwarded, in both directions.
    blackholed: Arc<AtomicBool>,
    /// Bumped by every cut: connections of an older epoch end.
    epoch: Arc<AtomicU64>,
}

impl Proxy {
    pub fn start(runtime: &tokio::runtime::Runtime, target: String) -> Proxy {
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let proxy = Proxy {
            port,
            up: Arc::new(AtomicBool::new(true)),
            blackholed: Arc::default(),
            epoch: Arc::default(),
        };
        let (up, epoch, hole) = (proxy.up.clone(), proxy.epoch.clone(), proxy.blackholed.clone());
        runtime.spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if !up.load(Ordering::SeqCst) {
                    continue; // dropped: the client sees its connection closed
                }
                let (target, epoch, hole) = (target.clone(), epoch.clone(), hole.clone());
                tokio::spawn(pipe(client, target, epoch, hole));
            }
        });
        proxy
    }

    /// A proxy in front of the PostgreSQL server of `url`, and the URL that goes through it.
    pub fn in_front_of(runtime: &tokio::runtime::Runtime, url: &str) -> (Proxy, String) {
        let (user, rest) = url.split_once('@').expect("a postgres URL with a user and host");
        let (host, path) = rest.split_once('/').expect("a database name");
        let target = if host.contains(':') { host.to_owned() } else { format!("{host}:5432") };
        let proxy = Proxy::start(runtime, target);
        let proxied = format!("{user}@127.0.0.1:{}/{path}", proxy.port);
        (proxy, proxied)
    }

    /// Drops every connection and refuses new ones until [`Proxy::restore`].
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// Keeps every connection open and accepts new ones, but passes nothing until
    /// [`Proxy::restore`]: the database neither answers nor refuses.
    pub fn blackhole(&self) {
        self.blackholed.store(true, Ordering::SeqCst);
    }

    pub fn restore(&self) {
        self.blackholed.store(false, Ordering::SeqCst);
        self.up.store(true, Ordering::SeqCst);
    }
}

async fn pipe(client: TcpStream, target: String, epoch: Arc<AtomicU64>, hole: Arc<AtomicBool>) {
    let born = epoch.load(Ordering::SeqCst);
    wait_while_blackholed(&hole).await;
    let Ok(server) = TcpStream::connect(&target).await else { return };
    let cut = async {
        while epoch.load(Ordering::SeqCst) == born {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    };
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    tokio::select! {
        () = forward(client_read, server_write, &hole) => {}
        () = forward(server_read, client_write, &hole) => {}
        () = cut => {}
    }
}

/// Copies `from` to `to`, holding what it read while the proxy is blackholed.
async fn forward(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    hole: &AtomicBool,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        wait_while_blackholed(hole).await;
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

async fn wait_while_blackholed(hole: &AtomicBool) {
    while hole.load(Ordering::SeqCst) {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
