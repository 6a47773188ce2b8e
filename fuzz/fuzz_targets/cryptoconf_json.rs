//! Cryptoconf parsing and validation: no panic on any input, and a stable round trip.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = flightbox::model::Cryptoconf::from_json(data) {
        let json = c.to_json().expect("a parsed cryptoconf serializes");
        assert_eq!(flightbox::model::Cryptoconf::from_json(&json).expect("our own output parses"), c);
    }
});
