//! Talking to the person at the terminal: passphrases without echo, progress bars, tables.

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use zeroize::Zeroizing;

use crate::commands::CliError;

/// First line of a passphrase file ("-" is stdin), without its line ending.
pub fn passphrase_from_file(path: &Path) -> Result<Zeroizing<String>, CliError> {
    let mut line = Zeroizing::new(String::new());
    let read = if path == Path::new("-") {
        std::io::stdin().lock().read_line(&mut line)
    } else {
        let f =
            std::fs::File::open(path).map_err(|e| CliError::Input(format!("cannot read {}: {e}", path.display())))?;
        std::io::BufReader::new(f).read_line(&mut line)
    };
    read.map_err(|e| CliError::Input(format!("cannot read {}: {e}", path.display())))?;
    let trimmed = Zeroizing::new(line.trim_end_matches(['\n', '\r']).to_string());
    if trimmed.trim().is_empty() {
        return Err(CliError::Input(format!("{} has no passphrase on its first line", path.display())));
    }
    Ok(trimmed)
}

/// The passphrase of an authenticator: the first line of `file`, or asked with its owner and hint.
pub fn authenticator_passphrase(
    file: Option<&Path>,
    meta: &flightbox::keystore::KeystoreMetadata,
) -> Result<Zeroizing<String>, CliError> {
    match file {
        Some(f) => passphrase_from_file(f),
        None => ask_passphrase(&format!(
            "Passphrase of {} (hint: {}): ",
            meta.keystore_owner,
            meta.keystore_passphrase_hint.as_deref().unwrap_or("none")
        )),
    }
}

/// Asks a passphrase without echo; fails when there is no terminal to ask on.
pub fn ask_passphrase(prompt: &str) -> Result<Zeroizing<String>, CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Input("no terminal to ask the passphrase on: use --passphrase-file FILE".into()));
    }
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| CliError::Input(format!("cannot read the passphrase: {e}")))
}

/// Whether passphrases can be asked.
pub fn can_ask() -> bool {
    std::io::stdin().is_terminal()
}

/// A byte progress bar on stderr, drawn only when stderr is a terminal.
pub fn byte_progress(total: Option<u64>, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match total {
        Some(t) => ProgressBar::new(t),
        None => ProgressBar::new_spinner(),
    };
    let template = if total.is_some() {
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
    } else {
        "{msg} {spinner} {bytes} {bytes_per_sec}"
    };
    bar.set_style(ProgressStyle::with_template(template).expect("valid template").progress_chars("=> "));
    bar.set_message(what.to_string());
    bar
}

/// A counting progress bar (key generation).
pub fn count_progress(total: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}").expect("valid template").progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// Prints rows as aligned columns.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let s: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        s.join("  ").trim_end().to_string()
    };
    let mut out = vec![line(headers.to_vec())];
    for r in rows {
        out.push(line(r.iter().map(String::as_str).collect()));
    }
    out.join("\n") + "\n"
}

/// Human size.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}
