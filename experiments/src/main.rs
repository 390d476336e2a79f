use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use experiments::cli::{Cli, Command};
use experiments::error::EXIT_BAD_INPUT;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let text = e.to_string();
            eprintln!("{}", text.lines().next().unwrap_or("error: bad arguments"));
            return ExitCode::from(EXIT_BAD_INPUT as u8);
        }
    };
    let name = match &cli.command {
        Command::Train(_) => "train",
        Command::Grid(_) => "grid",
        Command::Report(_) => "report",
        Command::List => "list",
    };
    match experiments::commands::execute(&cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e.exit_code();
            let e = Err::<(), _>(e)
                .with_context(|| format!("einorm {name}"))
                .unwrap_err();
            eprintln!("error: {e:#}");
            ExitCode::from(code as u8)
        }
    }
}
