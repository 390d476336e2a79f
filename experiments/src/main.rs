use std::process::ExitCode;

use clap::error::ErrorKind;
use experiments::cli::{Cli, Command};
use experiments::error::EXIT_BAD_INPUT;

fn main() -> ExitCode {
    let cli = match Cli::parse_given() {
        Ok(cli) => cli,
        Err(e) => return refuse(e),
    };
    let name = match &cli.command {
        Command::Train(_) => "train",
        Command::Grid(_) => "grid",
        Command::Report(_) => "report",
        Command::Eval(_) => "eval",
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

/// `--help` and `--version` succeed. Bare `einorm` prints the full help to
/// stderr and exits 2, as a missing command is bad input. Any other clap
/// error is one line: its message with clap's tips ("a similar subcommand
/// exists: 'train'"), without the usage lines.
fn refuse(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(EXIT_BAD_INPUT as u8)
        }
        _ => {
            eprintln!("{}", one_line(&e.render().to_string()));
            ExitCode::from(EXIT_BAD_INPUT as u8)
        }
    }
}

fn one_line(text: &str) -> String {
    let mut line = String::new();
    let parts = text.lines().map(str::trim);
    for part in
        parts.filter(|l| !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information"))
    {
        if !line.is_empty() {
            line.push_str(if line.ends_with(':') { " " } else { "; " });
        }
        line.push_str(part);
    }
    line
}
