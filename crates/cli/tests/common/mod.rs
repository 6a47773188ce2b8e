//! Helpers shared by the gateway tests.

use std::path::Path;

/// Starts a gateway with an SQLite file on 127.0.0.1 (random port); returns its base URL.
#[allow(dead_code)]
pub fn start_gateway(db: &Path) -> String {
    flightbox_gateway::serve_in_background(&format!("sqlite://{}?mode=rwc", db.display())).expect("gateway starts")
}
