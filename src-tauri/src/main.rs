// Keep a console on Windows for the CLI; the window is opened explicitly.
fn main() {
    std::process::exit(chaintill::cli::main());
}
