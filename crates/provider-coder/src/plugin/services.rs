//! The go-plugin services every gRPC plugin serves beside its own: the controller (Terraform
//! asks the plugin to exit), stdio (forwarded output; we have none to forward, the stream only
//! stays open), the broker (unused by providers, drained) and the health check.

use std::pin::Pin;

use futures::{Stream, StreamExt};
use tokio::sync::watch;
use tonic::{Request, Response, Status, Streaming};

use crate::proto::health::health_check_response::ServingStatus;
use crate::proto::health::{HealthCheckRequest, HealthCheckResponse, health_server};
use crate::proto::plugin::{
    ConnInfo, Empty, StdioData, grpc_broker_server, grpc_controller_server, grpc_stdio_server,
};

/// Fired once, when Terraform calls Shutdown; the server and every open stream end then.
#[derive(Clone)]
pub struct ShutdownSignal {
    tx: watch::Sender<bool>,
}

impl ShutdownSignal {
    pub fn new() -> Self {
        ShutdownSignal { tx: watch::channel(false).0 }
    }

    pub fn fire(&self) {
        self.tx.send_replace(true);
    }

    /// Resolves once [`fire`](Self::fire) has been called (at once if it already was).
    pub fn fired(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.tx.subscribe();
        async move {
            let _ = rx.wait_for(|fired| *fired).await;
        }
    }
}

impl Default for ShutdownSignal {
    fn default() -> Self {
        Self::new()
    }
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

pub struct Controller(pub ShutdownSignal);

#[tonic::async_trait]
impl grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _: Request<Empty>) -> Result<Response<Empty>, Status> {
        self.0.fire();
        Ok(Response::new(Empty {}))
    }
}

pub struct Stdio(pub ShutdownSignal);

#[tonic::async_trait]
impl grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = BoxStream<StdioData>;

    async fn stream_stdio(
        &self,
        _: Request<Empty>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        // Nothing is ever sent: the provider writes its diagnostics to stderr, which go-plugin
        // reads directly. The stream ends at shutdown so that the server can stop.
        let end = self.0.fired();
        let stream = futures::stream::once(end).filter_map(|()| async { None });
        Ok(Response::new(Box::pin(stream)))
    }
}

pub struct Broker(pub ShutdownSignal);

#[tonic::async_trait]
impl grpc_broker_server::GrpcBroker for Broker {
    type StartStreamStream = BoxStream<ConnInfo>;

    async fn start_stream(
        &self,
        request: Request<Streaming<ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        // Providers open no sub-connections: read and ignore whatever comes until the client
        // closes its side or Terraform shuts us down, and send nothing back.
        let mut inbound = request.into_inner();
        let end = self.0.fired();
        let drained = async move {
            tokio::select! {
                () = end => {}
                () = async { while let Some(Ok(_)) = inbound.next().await {} } => {}
            }
        };
        let stream = futures::stream::once(drained).filter_map(|()| async { None });
        Ok(Response::new(Box::pin(stream)))
    }
}

pub struct Health;

#[tonic::async_trait]
impl health_server::Health for Health {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        // go-plugin pings the service "plugin"; the empty name means the whole server.
        let status = match request.get_ref().service.as_str() {
            "" | "plugin" => ServingStatus::Serving,
            _ => ServingStatus::ServiceUnknown,
        };
        Ok(Response::new(HealthCheckResponse { status: status as i32 }))
    }
}
