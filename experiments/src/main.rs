use std::process::ExitCode;

use clap::error::ErrorKind;
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
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprintln!("error: give a command: train, grid, report or list (see einorm --help)");
            return ExitCode::from(EXIT_BAD_INPUT as u8);
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
            // Every error's own text names its cause once; its source chain
            // would repeat it.
            eprintln!("error: einorm {name}: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
