//! Flightbox core: cryptainers interchangeable with wacryptolib 0.11, keystores and streaming.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cryptainer;
pub mod ejson;
pub mod envelope;
pub mod error;
pub mod fsutil;
pub mod gateway;
pub mod identity;
pub mod journal;
pub mod keys;
pub mod keystore;
pub mod model;
pub mod primitives;
pub mod report;
pub mod storage;
pub mod stream;

pub use error::{Error, Result};
