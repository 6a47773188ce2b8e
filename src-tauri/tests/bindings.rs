//! gen/bindings.ts is what the commands generate: fails when they drift. Regenerate with
//! `FLIGHTBOX_UPDATE_GEN=1 cargo test -p flightbox-app --test bindings`.

#[test]
fn typescript_bindings_are_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../gen/bindings.ts");
    let generated = flightbox_app_lib::typescript_bindings().expect("bindings generate");
    if std::env::var_os("FLIGHTBOX_UPDATE_GEN").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "gen/bindings.ts is out of date: run FLIGHTBOX_UPDATE_GEN=1 cargo test -p flightbox-app --test bindings"
    );
    for command in ["identityCreate", "requestAccept", "journalView", "settingsSet"] {
        assert!(generated.contains(&format!("async {command}(")), "{command} is missing");
    }
}
