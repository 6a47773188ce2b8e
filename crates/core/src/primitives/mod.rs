//! One thin wrapper per primitive, each documented with wacryptolib's exact parameters.

pub mod digest;
pub mod rsa_oaep;
pub mod shamir;
pub mod signature;
pub mod symmetric;

/// Fills a buffer from the operating system's CSPRNG.
pub(crate) fn random_bytes(buf: &mut [u8]) {
    use rand_core::RngCore as _;
    rand_core::OsRng.fill_bytes(buf);
}
