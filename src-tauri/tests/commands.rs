//! Every command of the app through Tauri's mock runtime (IPC as the UI calls it), against our gateway on
//! loopback, with the core crate as the requestor.

use std::path::Path;

use flightbox::gateway::client::GatewayClient;
use flightbox::keystore::KeystorePool;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

const PASS: &str = "a guardian passphrase, long enough";

struct App {
    app: tauri::App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
}

impl App {
    fn new(data: &Path, gateway_url: &str) -> App {
        std::env::set_var("FLIGHTBOX_SECRET_STORE", "file");
        std::env::set_var("FLIGHTBOX_KDF_COST", "minimum");
        let app = mock_builder()
            .plugin(tauri_plugin_biometric::init())
            .invoke_handler(flightbox_app_lib::specta_builder_for!(MockRuntime).invoke_handler())
            // the app's real configuration and capabilities: each command needs its permission
            .build(tauri::generate_context!())
            .expect("app builds");
        let state = flightbox_app_lib::state::AppState::open(data).expect("state opens");
        app.manage(state);
        let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("window");
        let app = App { app, webview };
        let mut settings = app.ok("settings_get", json!({}));
        settings["gateway_url"] = json!(gateway_url);
        app.ok("settings_set", json!({ "settings": settings }));
        app
    }

    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        call_from(&self.webview, cmd, args)
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args).unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    /// The error's `type` (the UI branches on it) and data.
    fn err(&self, cmd: &str, args: Value) -> (String, Value) {
        let e = self.call(cmd, args).expect_err(cmd);
        (e["type"].as_str().unwrap_or_default().to_string(), e["data"].clone())
    }
}

fn call_from(webview: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().expect("JSON answer"))
}

/// Our gateway on loopback (SQLite in `dir`) and the app set up to use it.
fn start(dir: &Path) -> (String, App) {
    let gateway =
        flightbox_gateway::serve_in_background(&format!("sqlite://{}?mode=rwc", dir.join("gw.sqlite3").display()))
            .unwrap();
    let app = App::new(&dir.join("app"), &gateway);
    (gateway, app)
}

/// The requestor, played by the core crate: imports a published identity, encrypts for one of its keys, asks
/// for revelation and decrypts with the gateway's answers.
struct Requestor {
    client: GatewayClient,
    pool: KeystorePool,
}

impl Requestor {
    fn new(gateway: &str, dir: &Path, uid: &str) -> Requestor {
        let client = GatewayClient::new(gateway).unwrap();
        let pool = KeystorePool::open(dir.join("requestor")).unwrap();
        flightbox::gateway::ops::import_from_gateway(&client, &pool, &uuid::Uuid::parse_str(uid).unwrap()).unwrap();
        Requestor { client, pool }
    }

    /// Encrypts `plain` with `payload_algo`, its key wrapped with RSA-OAEP for the key `keychain` of `owner`'s
    /// identity `uid`.
    fn encrypt(
        &self,
        plain: &[u8],
        payload_algo: &str,
        (uid, owner, keychain): (&str, &str, &str),
        meta: Option<&Value>,
    ) -> flightbox::model::Cryptainer {
        let conf = json!({"payload_cipher_layers": [{"payload_cipher_algo": payload_algo, "key_cipher_layers": [
            {"key_cipher_algo": "RSA_OAEP", "keychain_uid": {"$binary": {"base64": base64_uuid(keychain), "subType": "04"}},
             "key_cipher_trustee": {"trustee_type": "authenticator", "keystore_uid": {"$binary": {"base64": base64_uuid(uid), "subType": "04"}}, "keystore_owner": owner}}],
            "payload_signatures": []}]});
        let conf = flightbox::model::Cryptoconf::from_json(conf.to_string().as_bytes()).unwrap();
        flightbox::cryptainer::encrypt_bytes(plain, &conf, meta, &self.pool).unwrap()
    }

    /// Asks the gateway to reveal one cryptainer.
    fn ask(&self, name: &str, clip: &flightbox::model::Cryptainer, description: &str) {
        flightbox::gateway::ops::submit_requests(&self.client, &self.pool, &[(name.into(), clip.clone())], description)
            .unwrap();
    }

    /// Decrypts with the guardians' answers.
    fn reveal(&self, clip: &flightbox::model::Cryptainer) -> Vec<u8> {
        let mut report = flightbox::report::OperationReport::default();
        let answers = flightbox::gateway::ops::gateway_answers(&self.client, &self.pool, clip, &mut report).unwrap();
        let passphrases = flightbox::cryptainer::Passphrases::new();
        let unwrapper = flightbox::cryptainer::Unwrapper {
            keys: &self.pool,
            passphrases: &passphrases,
            predecrypted: Some(&answers),
        };
        flightbox::cryptainer::decrypt_bytes(clip, None, &unwrapper, true).unwrap().0.to_vec()
    }
}

fn create(app: &App, owner: &str) -> String {
    let id = app.ok(
        "identity_create",
        json!({"owner": owner, "passphraseValue": PASS, "passphraseHint": "the long one", "keypairCount": 2, "keyBits": 2048}),
    );
    id["uid"].as_str().unwrap().to_string()
}

#[test]
fn every_command_through_the_mock_runtime() {
    let tmp = tempfile::tempdir().unwrap();
    let (gateway, app) = start(tmp.path());

    // app_info and settings.
    let info = app.ok("app_info", json!({}));
    assert_eq!(info["secret_storage"], "file");
    assert_eq!(info["min_passphrase_chars"], 20);
    assert_eq!(app.ok("settings_get", json!({}))["gateway_url"], gateway.as_str());
    let (kind, _) =
        app.err("settings_set", json!({"settings": {"gateway_url": "ftp://x", "language": "fr", "key_bits": 2048}}));
    assert_eq!(kind, "Invalid");
    let (kind, _) =
        app.err("settings_set", json!({"settings": {"gateway_url": gateway, "language": "fr", "key_bits": 1024}}));
    assert_eq!(kind, "Invalid");

    // Creation rules, then an identity.
    assert_eq!(app.ok("identities_list", json!({})), json!([]));
    let (kind, data) = app.err(
        "identity_create",
        json!({"owner": "Ann", "passphraseValue": "short", "passphraseHint": "h", "keypairCount": 3, "keyBits": 2048}),
    );
    assert_eq!(kind, "Invalid");
    assert!(data.as_str().unwrap().contains("at least 20"), "{data}");
    let uid = create(&app, "Ann Guardian");
    let list = app.ok("identities_list", json!({}));
    assert_eq!(list[0]["owner"], "Ann Guardian");
    assert_eq!(list[0]["key_count"], 2);
    assert_eq!(list[0]["missing_private_keys"], 0);

    let view = app.ok("identity_view", json!({"uid": uid}));
    assert_eq!(view["keys"].as_array().unwrap().len(), 2);
    assert!(
        view["uid_qr_svg"].as_str().unwrap().starts_with("<?xml")
            || view["uid_qr_svg"].as_str().unwrap().contains("<svg")
    );
    assert_eq!(view["gateway_url"], gateway.as_str());
    assert_eq!(view["journal_key_fingerprint"].as_str().unwrap().len(), 64);
    assert_eq!(app.err("identity_view", json!({"uid": "nope"})).0, "Invalid");
    assert_eq!(app.err("identity_view", json!({"uid": uuid::Uuid::new_v4()})).0, "NotFound");

    // Passphrase check: the same report as the CLI.
    let report = app.ok("identity_check_passphrase", json!({"uid": uid, "passphraseValue": PASS}));
    assert_eq!(report["ok"], true);
    assert!(report["keys"].as_array().unwrap().iter().all(|k| k["outcome"] == "ok"));
    let report = app.ok("identity_check_passphrase", json!({"uid": uid, "passphraseValue": "wrong"}));
    assert_eq!(report["ok"], false);
    assert!(report["keys"][0]["reason"].as_str().unwrap().contains("wrong passphrase"));

    // Publication.
    assert_eq!(app.ok("identity_publication", json!({"uid": uid}))["state"], "not_published");
    assert_eq!(app.ok("identity_publish", json!({"uid": uid}))["state"], "published");
    let (kind, data) = app.err("identity_publish", json!({"uid": uid}));
    assert_eq!((kind.as_str(), data["owner"].as_str()), ("AlreadyPublished", Some("Ann Guardian")));

    // A requestor (the core crate) encrypts for this identity and asks twice.
    let requestor = Requestor::new(&gateway, tmp.path(), &uid);
    let key = (uid.as_str(), "Ann Guardian", view["keys"][0]["keychain_uid"].as_str().unwrap());
    let meta = json!({"camera": "door"});
    let clip = requestor.encrypt(b"the door camera clip", "CHACHA20_POLY1305", key, Some(&meta));
    let other = requestor.encrypt(b"another clip", "CHACHA20_POLY1305", key, None);
    requestor.ask("clip.mp4", &clip, "Police case 7");
    requestor.ask("other.mp4", &other, "Just curious");

    let requests = app.ok("requests_list", json!({"uid": uid}));
    let requests = requests.as_array().unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0]["description"], "Just curious", "newest first");
    let police = requests.iter().find(|r| r["description"] == "Police case 7").unwrap();
    let curious = requests.iter().find(|r| r["description"] == "Just curious").unwrap();
    assert_eq!(police["keys"][0]["cryptainer_name"], "clip.mp4");
    assert!(police["keys"][0]["cryptainer_metadata"].as_str().unwrap().contains("door"));

    // Accept: a wrong passphrase sends nothing.
    let (kind, data) =
        app.err("request_accept", json!({"uid": uid, "requestUid": police["uid"], "passphraseValue": "wrong"}));
    assert_eq!((kind.as_str(), data["owner"].as_str()), ("WrongPassphrase", Some("Ann Guardian")));
    assert_eq!(app.ok("requests_list", json!({"uid": uid}))[1]["status"], "PENDING");
    let outcome = app.ok("request_accept", json!({"uid": uid, "requestUid": police["uid"], "passphraseValue": PASS}));
    assert_eq!(outcome["decrypted"], 1);
    assert_eq!(outcome["statuses"], json!(["clip.mp4: DECRYPTED"]));
    // The requestor decrypts with the answer.
    assert_eq!(&requestor.reveal(&clip)[..], b"the door camera clip");

    // Reject, and handled requests cannot be handled again.
    app.ok("request_reject", json!({"uid": uid, "requestUid": curious["uid"]}));
    assert_eq!(app.err("request_reject", json!({"uid": uid, "requestUid": curious["uid"]})).0, "RequestAlreadyHandled");
    assert_eq!(
        app.err("request_accept", json!({"uid": uid, "requestUid": police["uid"], "passphraseValue": PASS})).0,
        "RequestAlreadyHandled"
    );

    // The journal.
    let journal = app.ok("journal_view", json!({"uid": uid}));
    assert_eq!(journal["intact"], true);
    assert_eq!(journal["entries"][0]["decision"], "rejected");
    assert_eq!(journal["entries"][1]["decision"], "accepted");
    assert_eq!(journal["entries"][1]["keys"], json!(["clip.mp4: DECRYPTED"]));
    let path = journal["path"].as_str().unwrap().to_string();
    std::fs::write(&path, std::fs::read_to_string(&path).unwrap().replace("Just curious", "A court order")).unwrap();
    let journal = app.ok("journal_view", json!({"uid": uid}));
    assert_eq!(journal["intact"], false);
    assert!(journal["problems"][0].as_str().unwrap().contains("entry 2"));

    // Backup, delete, restore.
    let zip = tmp.path().join("ann.zip");
    assert_eq!(
        app.err("identity_export", json!({"uid": uid, "passphraseValue": "wrong", "path": zip})).0,
        "WrongPassphrase"
    );
    assert!(!zip.exists());
    assert_eq!(
        app.ok("identity_export", json!({"uid": uid, "passphraseValue": PASS, "path": zip})),
        json!(zip.display().to_string())
    );
    assert_eq!(
        app.err("identity_export", json!({"uid": uid, "passphraseValue": PASS, "path": zip})).0,
        "AlreadyExists"
    );
    assert_eq!(app.err("identity_import", json!({"path": zip, "passphraseValue": PASS})).0, "AlreadyExists");
    app.ok("identity_delete", json!({"uid": uid}));
    assert_eq!(app.ok("identities_list", json!({})), json!([]));
    assert_eq!(app.err("identity_import", json!({"path": zip, "passphraseValue": "wrong"})).0, "WrongPassphrase");
    assert_eq!(
        app.err("identity_import", json!({"path": tmp.path().join("none.zip"), "passphraseValue": PASS})).0,
        "NotFound"
    );
    let restored = app.ok("identity_import", json!({"path": zip, "passphraseValue": PASS}));
    assert_eq!(restored["uid"], uid.as_str());
    assert_eq!(app.ok("identity_publication", json!({"uid": uid}))["state"], "published", "same secret and keys");

    // Only the main window holds the permissions.
    let other = WebviewWindowBuilder::new(&app.app, "other", Default::default()).build().unwrap();
    let denied = call_from(&other, "identities_list", json!({})).unwrap_err();
    assert!(denied.as_str().unwrap().contains("not allowed"), "{denied}");

    // Gateway unreachable: the error names the URL.
    let mut settings = app.ok("settings_get", json!({}));
    settings["gateway_url"] = json!("http://127.0.0.1:9");
    app.ok("settings_set", json!({ "settings": settings }));
    let (kind, data) = app.err("requests_list", json!({"uid": uid}));
    assert_eq!((kind.as_str(), data["url"].as_str()), ("GatewayUnreachable", Some("http://127.0.0.1:9")));
}

/// A software stand-in for the platform's biometric keystore (which needs a phone): wraps the unlock key
/// under its own random key, and can be told to fail as a cancelled or changed biometric would.
struct SoftwareGate {
    key: [u8; 32],
    /// The next biometric checks fail (cancelled).
    fail: std::sync::atomic::AtomicBool,
    /// The platform's key is gone (as after an enrolment change).
    gone: std::sync::atomic::AtomicBool,
    /// Records whose platform key was deleted.
    forgotten: std::sync::Mutex<Vec<String>>,
}

impl flightbox_app_lib::biometric::BiometricGate for SoftwareGate {
    fn status(&self) -> flightbox_app_lib::biometric::BiometricStatus {
        flightbox_app_lib::biometric::BiometricStatus { available: true, reason: None }
    }
    fn wrap(
        &self,
        _reason: &str,
        key: &[u8; 32],
    ) -> flightbox_app_lib::error::AppResult<flightbox::identity::QuickUnlock> {
        let sealed = flightbox::envelope::KeyEnvelope::seal(key, &self.key, b"gate").unwrap();
        Ok(flightbox::identity::QuickUnlock {
            method: "software-test-gate".into(),
            wrapped_key: String::from_utf8(sealed.to_json().unwrap()).unwrap(),
        })
    }
    fn unwrap(
        &self,
        _reason: &str,
        record: &flightbox::identity::QuickUnlock,
    ) -> flightbox_app_lib::error::AppResult<zeroize::Zeroizing<[u8; 32]>> {
        if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(flightbox_app_lib::error::AppError::BiometricFailed("cancelled".into()));
        }
        if self.gone.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(flightbox_app_lib::biometric::keychain_error(
                flightbox_app_lib::biometric::ERR_SEC_ITEM_NOT_FOUND,
            ));
        }
        let sealed = flightbox::envelope::KeyEnvelope::from_json(record.wrapped_key.as_bytes()).unwrap();
        let plain = sealed.open(&self.key, b"gate").unwrap();
        let mut key = zeroize::Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&plain);
        Ok(key)
    }
    fn forget(&self, record: &flightbox::identity::QuickUnlock) -> flightbox_app_lib::error::AppResult<()> {
        self.forgotten.lock().unwrap().push(record.wrapped_key.clone());
        Ok(())
    }
}

#[test]
fn biometric_approval_with_the_plugin_here_and_with_a_gate() {
    let tmp = tempfile::tempdir().unwrap();
    let (gateway, app) = start(tmp.path());
    let uid = create(&app, "Bea Guardian");
    // Without a gate (nothing set up) and with the real plugin on this desktop: not available, with the reason.
    let status = app.ok("biometric_status", json!({"uid": uid}));
    assert_eq!((status["available"].as_bool(), status["enabled"].as_bool()), (Some(false), Some(false)));
    let state = app.app.state::<flightbox_app_lib::state::AppState>();
    state.set_biometric_gate(std::sync::Arc::new(flightbox_app_lib::biometric::PluginGate::new(
        app.app.handle().clone(),
    )));
    let status = app.ok("biometric_status", json!({"uid": uid}));
    assert_eq!(status["available"], false);
    assert!(status["reason"].as_str().unwrap().contains("not supported on this platform"), "{status}");
    assert_eq!(app.err("biometric_enable", json!({"uid": uid, "passphraseValue": PASS})).0, "BiometricUnavailable");

    // With a gate: enabling needs the right passphrase, then Accept needs no passphrase.
    let gate = std::sync::Arc::new(SoftwareGate {
        key: [3; 32],
        fail: false.into(),
        gone: false.into(),
        forgotten: Default::default(),
    });
    state.set_biometric_gate(gate.clone());
    assert_eq!(app.err("biometric_enable", json!({"uid": uid, "passphraseValue": "wrong"})).0, "WrongPassphrase");
    assert_eq!(app.ok("biometric_status", json!({"uid": uid}))["enabled"], false);
    assert_eq!(app.ok("biometric_enable", json!({"uid": uid, "passphraseValue": PASS}))["enabled"], true);
    assert_eq!(app.ok("biometric_status", json!({"uid": uid}))["enabled"], true);
    app.ok("identity_publish", json!({"uid": uid}));

    let requestor = Requestor::new(&gateway, tmp.path(), &uid);
    let view = app.ok("identity_view", json!({"uid": uid}));
    let key = (uid.as_str(), "Bea Guardian", view["keys"][1]["keychain_uid"].as_str().unwrap());
    let clip = requestor.encrypt(b"garage camera", "AES_EAX", key, None);
    requestor.ask("garage.mp4", &clip, "Insurance");
    let request = app.ok("requests_list", json!({"uid": uid}))[0]["uid"].clone();

    // A cancelled biometric sends nothing; the request stays pending.
    gate.fail.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(app.err("request_accept_biometric", json!({"uid": uid, "requestUid": request})).0, "BiometricFailed");
    assert_eq!(app.ok("requests_list", json!({"uid": uid}))[0]["status"], "PENDING");
    gate.fail.store(false, std::sync::atomic::Ordering::SeqCst);
    let outcome = app.ok("request_accept_biometric", json!({"uid": uid, "requestUid": request}));
    assert_eq!(outcome["statuses"], json!(["garage.mp4: DECRYPTED"]));
    assert_eq!(&requestor.reveal(&clip)[..], b"garage camera");
    assert_eq!(app.ok("journal_view", json!({"uid": uid}))["entries"][0]["decision"], "accepted");
    let forgotten = || gate.forgotten.lock().unwrap().len();
    assert_eq!(forgotten(), 0);

    // The platform's key is gone (enrolment changed): nothing is sent, approval is turned off and its key deleted.
    requestor.ask("door.mp4", &clip, "Police");
    let second = app.ok("requests_list", json!({"uid": uid}))[0]["uid"].clone();
    assert_ne!(second, request);
    gate.gone.store(true, std::sync::atomic::Ordering::SeqCst);
    let (kind, why) = app.err("request_accept_biometric", json!({"uid": uid, "requestUid": second}));
    assert_eq!(kind, "BiometricFailed");
    assert!(why.as_str().unwrap().contains("turned off"), "{why}");
    assert_eq!(app.ok("biometric_status", json!({"uid": uid}))["enabled"], false);
    assert_eq!(forgotten(), 1);
    assert_eq!(app.ok("requests_list", json!({"uid": uid}))[0]["status"], "PENDING");
    gate.gone.store(false, std::sync::atomic::Ordering::SeqCst);

    // Turned on again twice: the first platform key is deleted when the second replaces it.
    app.ok("biometric_enable", json!({"uid": uid, "passphraseValue": PASS}));
    app.ok("biometric_enable", json!({"uid": uid, "passphraseValue": PASS}));
    assert_eq!(forgotten(), 2);

    // Turned off: biometric approval is refused, the passphrase works as before.
    app.ok("biometric_disable", json!({"uid": uid}));
    assert_eq!(forgotten(), 3);
    assert_eq!(app.ok("biometric_status", json!({"uid": uid}))["enabled"], false);
    assert_eq!(
        app.err("request_accept_biometric", json!({"uid": uid, "requestUid": request})).0,
        "BiometricUnavailable"
    );

    // Deleting the identity deletes the platform key too.
    app.ok("biometric_enable", json!({"uid": uid, "passphraseValue": PASS}));
    app.ok("identity_delete", json!({"uid": uid}));
    assert_eq!(forgotten(), 4);
}

fn base64_uuid(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(uuid::Uuid::parse_str(s).unwrap().as_bytes())
}
