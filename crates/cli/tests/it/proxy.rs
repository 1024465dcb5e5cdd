//! A TCP proxy to PostgreSQL that a test can cut (every connection dropped, new ones closed at
//! once, as when the database host goes away) and restore.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::net::{TcpListener, TcpStream};

pub struct Proxy {
    pub port: u16,
    up: Arc<AtomicBool>,
    /// Bumped by every cut: connections of an older epoch end.
    epoch: Arc<AtomicU64>,
}

impl Proxy {
    pub fn start(runtime: &tokio::runtime::Runtime, target: String) -> Proxy {
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let proxy = Proxy { port, up: Arc::new(AtomicBool::new(true)), epoch: Arc::default() };
        let (up, epoch) = (proxy.up.clone(), proxy.epoch.clone());
        runtime.spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if !up.load(Ordering::SeqCst) {
                    continue; // dropped: the client sees its connection closed
                }
                let (target, epoch) = (target.clone(), epoch.clone());
                tokio::spawn(pipe(client, target, epoch));
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

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

async fn pipe(mut client: TcpStream, target: String, epoch: Arc<AtomicU64>) {
    let born = epoch.load(Ordering::SeqCst);
    let Ok(mut server) = TcpStream::connect(&target).await else { return };
    let cut = async {
        while epoch.load(Ordering::SeqCst) == born {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        () = cut => {}
    }
}
