fn main() {
    // tauri-build only exists with the `desktop` feature; the headless engine needs no codegen.
    #[cfg(feature = "desktop")]
    tauri_build::try_build(
        tauri_build::Attributes::new().capabilities_path_pattern("src-tauri/capabilities/**/*"),
    )
    .expect("tauri-build failed");
}
