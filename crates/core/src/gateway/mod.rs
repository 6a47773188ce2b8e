//! The gateway (web registry of guardians): its JSON-RPC protocol, the guardian's and the requestor's
//! operations. The HTTP client is behind the `client` feature so that the crate stays usable offline.

#[cfg(feature = "client")]
pub mod client;
pub mod guardian;
#[cfg(feature = "client")]
pub mod ops;
pub mod protocol;
#[cfg(feature = "client")]
pub mod remote;
pub mod requestor;
