//! Accepted connections, plain or TLS, as one type tonic can serve.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{UnixListener, UnixStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tonic::transport::server::Connected;

pub enum Conn {
    Plain(UnixStream),
    Tls(Box<TlsStream<UnixStream>>),
}

/// Accept connections, finishing the TLS handshake when there is an acceptor. A failed
/// handshake (a stranger without Terraform's certificate) drops that connection only.
pub fn incoming(
    listener: UnixListener,
    tls: Option<TlsAcceptor>,
) -> impl Stream<Item = io::Result<Conn>> + Send {
    futures::stream::unfold((listener, tls), |(listener, tls)| async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => return Some((Err(e), (listener, tls))),
            };
            let conn = match &tls {
                None => Conn::Plain(stream),
                Some(acceptor) => match acceptor.accept(stream).await {
                    Ok(tls_stream) => Conn::Tls(Box::new(tls_stream)),
                    Err(e) => {
                        eprintln!("terraform-provider-coder: TLS handshake refused: {e}");
                        continue;
                    }
                },
            };
            return Some((Ok(conn), (listener, tls)));
        }
    })
}

impl Connected for Conn {
    type ConnectInfo = ();
    fn connect_info(&self) {}
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}
