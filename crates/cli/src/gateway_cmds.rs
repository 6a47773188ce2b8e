//! Commands that talk to the gateway: publication and answers of guardians, requests of requestors.

use flightbox::gateway::client::GatewayClient;
use flightbox::gateway::ops::{self, PublicationState};
use flightbox::gateway::protocol::{RevelationRequest, RevelationRequestStatus, SymkeyDecryptionStatus};
use serde_json::json;

use crate::cli::{AuthenticatorCmd, Format, RequestStatus, RevelationRequestCmd};
use crate::commands::{load, open_authenticator, CliError, CtxParts};
use crate::ui;

type Result<T> = std::result::Result<T, CliError>;

fn status(s: RequestStatus) -> RevelationRequestStatus {
    match s {
        RequestStatus::Pending => RevelationRequestStatus::Pending,
        RequestStatus::Accepted => RevelationRequestStatus::Accepted,
        RequestStatus::Rejected => RevelationRequestStatus::Rejected,
    }
}

fn request_json(r: &RevelationRequest) -> serde_json::Value {
    json!({
        "revelation_request_uid": r.revelation_request_uid.to_string(),
        "status": r.revelation_request_status.as_str(),
        "description": r.revelation_request_description,
        "requestor_uid": r.revelation_requestor_uid.to_string(),
        "guardian": {"keystore_uid": r.target_public_authenticator.keystore_uid.to_string(), "owner": r.target_public_authenticator.keystore_owner},
        "created_at": r.created_at.to_string(),
        "keys": r.symkey_decryption_requests.iter().map(|s| json!({
            "cryptainer_name": s.cryptainer_name,
            "cryptainer_uid": s.cryptainer_uid.to_string(),
            "cryptainer_metadata": s.cryptainer_metadata,
            "keychain_uid": s.target_public_authenticator_key.keychain_uid.to_string(),
            "status": s.symkey_decryption_status.as_str(),
        })).collect::<Vec<_>>(),
    })
}

fn print_requests(list: &[RevelationRequest], format: Format, empty: &str) {
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&list.iter().map(request_json).collect::<Vec<_>>()).expect("JSON")
        ),
        Format::Text if list.is_empty() => println!("{empty}"),
        Format::Text => {
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|r| {
                    let decrypted = r
                        .symkey_decryption_requests
                        .iter()
                        .filter(|s| s.symkey_decryption_status == SymkeyDecryptionStatus::Decrypted)
                        .count();
                    let names: Vec<&str> =
                        r.symkey_decryption_requests.iter().map(|s| s.cryptainer_name.as_str()).collect();
                    let mut names: Vec<&str> =
                        names.into_iter().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
                    names.truncate(3);
                    vec![
                        r.revelation_request_uid.to_string(),
                        r.revelation_request_status.as_str().to_string(),
                        r.target_public_authenticator.keystore_owner.clone(),
                        format!("{decrypted}/{}", r.symkey_decryption_requests.len()),
                        r.created_at.to_string(),
                        format!("{} ({})", r.revelation_request_description, names.join(", ")),
                    ]
                })
                .collect();
            print!(
                "{}",
                ui::table(
                    &["REQUEST UID", "STATUS", "GUARDIAN", "KEYS", "CREATED", "DESCRIPTION (CRYPTAINERS)"],
                    &rows
                )
            );
        }
    }
}

/// The authenticator commands that need the gateway.
pub fn authenticator(gw: &GatewayClient, cmd: AuthenticatorCmd) -> Result<()> {
    match cmd {
        AuthenticatorCmd::Publish { dir, check } => {
            let (ks, meta) = open_authenticator(&dir)?;
            let state = ops::publication_state(gw, &ks)?;
            match (&state, check) {
                (PublicationState::NotPublished, false) => {
                    ops::publish(gw, &ks)?;
                    println!(
                        "Authenticator {} of {} published to {}",
                        meta.keystore_uid,
                        meta.keystore_owner,
                        gw.url()
                    );
                    Ok(())
                }
                (PublicationState::NotPublished, true) => {
                    println!("not published");
                    Ok(())
                }
                (PublicationState::Published, _) => {
                    println!("published (identical to {})", dir.display());
                    Ok(())
                }
                (PublicationState::PublishedButDifferent { differences }, _) => Err(CliError::Input(format!(
                    "published but different from {}: {}",
                    dir.display(),
                    differences.join("; ")
                ))),
            }
        }
        AuthenticatorCmd::Requests { dir, status: st, format } => {
            let (ks, _) = open_authenticator(&dir)?;
            let list = ops::guardian_requests(gw, &ks, st.map(status))?;
            print_requests(&list, format, "No revelation request");
            Ok(())
        }
        AuthenticatorCmd::Accept { dir, request_uid, passphrase_file } => {
            let (ks, meta) = open_authenticator(&dir)?;
            let passphrase = ui::authenticator_passphrase(passphrase_file.as_deref(), &meta)?;
            let results = ops::accept(gw, &ks, &request_uid, &passphrase).map_err(|e| match e {
                flightbox::Error::WrongPassphrase(_) => CliError::Input("wrong passphrase: nothing was sent".into()),
                other => other.into(),
            })?;
            let mut counts = std::collections::BTreeMap::new();
            for r in &results {
                *counts.entry(r.symkey_decryption_status.as_str()).or_insert(0) += 1;
            }
            let summary: Vec<String> = counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
            println!("Request {request_uid} accepted: {}", summary.join(", "));
            Ok(())
        }
        AuthenticatorCmd::Reject { dir, request_uid } => {
            let (ks, _) = open_authenticator(&dir)?;
            ops::reject(gw, &ks, &request_uid)?;
            println!("Request {request_uid} rejected");
            Ok(())
        }
        _ => unreachable!("only gateway commands are routed here"),
    }
}

/// `revelation-request` commands.
pub fn revelation_request(ctx: &CtxParts, cmd: RevelationRequestCmd) -> Result<()> {
    match cmd {
        RevelationRequestCmd::Submit { names, description } => {
            if description.trim().is_empty() {
                return Err(CliError::Input("--description must not be empty".into()));
            }
            let mut cryptainers = Vec::new();
            for n in &names {
                let (path, c) = load(&ctx.storage, n)?;
                cryptainers.push((path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(), c));
            }
            let outcome = ops::submit_requests(&ctx.gateway, &ctx.pool, &cryptainers, &description)?;
            let mut failed = 0;
            for s in &outcome {
                match &s.error {
                    None => println!("Request sent to guardian {} for {} key(s)", s.keystore_uid, s.key_count),
                    Some(e) => {
                        failed += 1;
                        eprintln!("error: guardian {}: {e}", s.keystore_uid);
                    }
                }
            }
            if failed > 0 {
                return Err(CliError::Input(format!("{failed} of {} request(s) could not be sent", outcome.len())));
            }
            Ok(())
        }
        RevelationRequestCmd::List { format } => {
            let list = ops::requestor_requests(&ctx.gateway, &ctx.pool)?;
            print_requests(&list, format, "No revelation request sent from this keystore pool");
            Ok(())
        }
    }
}
