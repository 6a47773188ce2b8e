//! The JSON Schemas in `gen/schemas/` are generated from the model; this test fails when they drift.
//! Regenerate with `FLIGHTBOX_UPDATE_GEN=1 cargo test -p flightbox --test schemas`.

use std::path::Path;

#[test]
fn schemas_are_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../gen/schemas");
    let update = std::env::var_os("FLIGHTBOX_UPDATE_GEN").is_some();
    let mut stale = Vec::new();
    for (name, for_cryptainer) in [("cryptoconf.schema.json", false), ("cryptainer.schema.json", true)] {
        let mut text = serde_json::to_string_pretty(&flightbox::model::json_schema(for_cryptainer)).unwrap();
        text.push('\n');
        let path = dir.join(name);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?} out of date: run FLIGHTBOX_UPDATE_GEN=1 cargo test -p flightbox --test schemas"
    );
}
