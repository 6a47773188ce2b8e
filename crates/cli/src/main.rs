//! `flightbox`: authenticators, keystores, cryptoconfs and cryptainers from a terminal.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod conf_builder;
mod gateway_cmds;
mod ui;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
