//! Helpers shared by the gateway tests.

use std::path::Path;

/// Starts a gateway on 127.0.0.1 (random port) in a background thread; returns its base URL.
#[allow(dead_code)]
pub fn start_gateway(db: &Path) -> String {
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let store = flightbox_gateway::store::Store::connect(&url).await.unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, flightbox_gateway::router(store)).await.unwrap();
        });
    });
    format!("http://{}", rx.recv().unwrap())
}
