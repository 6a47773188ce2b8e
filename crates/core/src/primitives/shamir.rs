//! `[SHARED_SECRET]`: Shamir secret sharing over GF(2^128), as pycryptodome's
//! `Crypto.Protocol.SecretSharing.Shamir` (without its `ssss` option).
//!
//! Field elements are 16-byte big-endian integers whose bit i is the coefficient of x^i, reduced modulo
//! x^128 + x^7 + x^2 + x + 1. A share of user `i` (1..=n) is the polynomial, whose constant term is the
//! secret and whose other k-1 coefficients are random, evaluated at `i`. Secrets of any length are PKCS#7
//! padded to 16-byte chunks, each chunk split on its own, and a shard concatenates its chunk shares.
//!
//! This is the one piece of field arithmetic we write ourselves (no crate implements this field with
//! this encoding): multiplication and inversion run in constant time (no secret-dependent branch or
//! index).

use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};

/// Low part of the reduction polynomial (x^7 + x^2 + x + 1).
const REDUCTION: u128 = 0x87;

/// Multiplication in GF(2^128), constant time.
pub fn gf_mul(a: u128, b: u128) -> u128 {
    let mut z = 0u128;
    let mut v = a;
    for i in 0..128 {
        let bit = (b >> i) & 1;
        z ^= v & 0u128.wrapping_sub(bit);
        let carry = v >> 127;
        v = (v << 1) ^ (REDUCTION & 0u128.wrapping_sub(carry));
    }
    z
}

/// Inverse in GF(2^128) (a^(2^128-2)), constant time; the inverse of 0 is 0.
pub fn gf_inv(a: u128) -> u128 {
    let mut r = 1u128;
    // Exponent 2^128 - 2: 127 one bits then a zero bit.
    for i in (0..128).rev() {
        r = gf_mul(r, r);
        if i != 0 {
            r = gf_mul(r, a);
        }
    }
    r
}

/// Splits one 16-byte block into `n` shares, `k` of which rebuild it. Shares are `(index, value)`,
/// indices 1..=n.
pub fn split_block(secret: &[u8; 16], k: usize, n: usize) -> Result<Vec<(u8, [u8; 16])>> {
    check_kn(k, n)?;
    let mut coeffs = Zeroizing::new(Vec::with_capacity(k));
    for _ in 1..k {
        let mut c = [0u8; 16];
        super::random_bytes(&mut c);
        coeffs.push(u128::from_be_bytes(c));
        c.zeroize();
    }
    coeffs.push(u128::from_be_bytes(*secret));
    let mut shares = Vec::with_capacity(n);
    for user in 1..=n {
        let x = user as u128;
        let mut y = 0u128;
        for c in coeffs.iter() {
            y = gf_mul(x, y) ^ c;
        }
        shares.push((user as u8, y.to_be_bytes()));
    }
    Ok(shares)
}

/// Rebuilds a 16-byte block from shares (at least the threshold, distinct indices).
pub fn combine_block(shares: &[(u8, [u8; 16])]) -> Result<Zeroizing<[u8; 16]>> {
    if shares.is_empty() {
        return Err(Error::Decryption("no shard to combine".into()));
    }
    for (i, a) in shares.iter().enumerate() {
        if a.0 == 0 {
            return Err(Error::Decryption("shard index 0 is invalid".into()));
        }
        if shares[..i].iter().any(|b| b.0 == a.0) {
            return Err(Error::Decryption(format!("duplicate shard index {}", a.0)));
        }
    }
    let mut result = 0u128;
    for (j, (xj, yj)) in shares.iter().enumerate() {
        let (xj, yj) = (*xj as u128, u128::from_be_bytes(*yj));
        let mut num = 1u128;
        let mut den = 1u128;
        for (m, (xm, _)) in shares.iter().enumerate() {
            if m != j {
                num = gf_mul(num, *xm as u128);
                den = gf_mul(den, xj ^ *xm as u128);
            }
        }
        result ^= gf_mul(gf_mul(yj, num), gf_inv(den));
    }
    Ok(Zeroizing::new(result.to_be_bytes()))
}

fn check_kn(k: usize, n: usize) -> Result<()> {
    if n == 0 || n > crate::model::MAX_SHARDS {
        return Err(Error::Encryption(format!("shard count {n} must be between 1 and {}", crate::model::MAX_SHARDS)));
    }
    if k == 0 || k > n {
        return Err(Error::Encryption(format!("threshold {k} must be between 1 and the shard count {n}")));
    }
    Ok(())
}

/// Splits a secret of any length (PKCS#7 padded to 16-byte chunks) into `n` full shards.
pub fn split_secret(secret: &[u8], k: usize, n: usize) -> Result<Vec<(u8, Vec<u8>)>> {
    check_kn(k, n)?;
    let pad = 16 - secret.len() % 16;
    let mut padded = Zeroizing::new(secret.to_vec());
    padded.extend(std::iter::repeat_n(pad as u8, pad));
    let mut shards: Vec<(u8, Vec<u8>)> = (1..=n).map(|i| (i as u8, Vec::with_capacity(padded.len()))).collect();
    for chunk in padded.chunks_exact(16) {
        let mut block = Zeroizing::new([0u8; 16]);
        block.copy_from_slice(chunk);
        for (idx, share) in split_block(&block, k, n)? {
            shards[idx as usize - 1].1.extend_from_slice(&share);
        }
    }
    Ok(shards)
}

/// Rebuilds a secret from full shards.
pub fn combine_secret(shards: &[(u8, Vec<u8>)]) -> Result<Zeroizing<Vec<u8>>> {
    let len = shards.first().map(|s| s.1.len()).unwrap_or(0);
    if len == 0 || !len.is_multiple_of(16) || shards.iter().any(|s| s.1.len() != len) {
        return Err(Error::Decryption("shards must be non-empty, of the same length, a multiple of 16 bytes".into()));
    }
    let mut out = Zeroizing::new(Vec::with_capacity(len));
    for c in 0..len / 16 {
        let shares: Vec<(u8, [u8; 16])> = shards
            .iter()
            .map(|(i, s)| {
                let mut b = [0u8; 16];
                b.copy_from_slice(&s[c * 16..c * 16 + 16]);
                (*i, b)
            })
            .collect();
        out.extend_from_slice(&*combine_block(&shares)?);
    }
    let pad = *out.last().expect("non-empty") as usize;
    if pad == 0 || pad > 16 || out[len - pad..].iter().any(|&b| b as usize != pad) {
        return Err(Error::Integrity("shared secret padding is invalid (wrong or corrupted shards)".into()));
    }
    out.truncate(len - pad);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_inverse() {
        for a in [1u128, 2, 3, 0x87, u128::MAX, 0x1234_5678_9abc_def0_1122_3344_5566_7788] {
            assert_eq!(gf_mul(a, gf_inv(a)), 1, "{a:x}");
        }
        assert_eq!(gf_mul(1 << 127, 2), 0x87);
    }

    #[test]
    fn round_trip_thresholds() {
        let secret = b"any length secret, longer than one block";
        let shards = split_secret(secret, 3, 5).unwrap();
        assert_eq!(&*combine_secret(&shards[1..4]).unwrap(), secret);
        assert_eq!(&*combine_secret(&shards).unwrap(), secret);
        let two = [shards[0].clone(), shards[4].clone()];
        assert!(combine_secret(&two).map(|s| s.as_slice() != secret).unwrap_or(true));
    }
}
