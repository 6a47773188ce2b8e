// Declares the app's own commands so that each needs an explicit permission in capabilities/.
const COMMANDS: &[&str] = &[
    "app_info",
    "settings_get",
    "settings_set",
    "identities_list",
    "identity_create",
    "identity_view",
    "identity_check_passphrase",
    "identity_export",
    "identity_import",
    "identity_delete",
    "journal_view",
    "identity_publication",
    "identity_publish",
    "requests_list",
    "request_accept",
    "request_reject",
    "request_accept_biometric",
    "biometric_status",
    "biometric_enable",
    "biometric_disable",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
