fn main() {
    // tauri-build only exists with the `desktop` feature; the headless engine needs no codegen.
    // The app's own commands get `allow-<command>` permissions, so each window's capability
    // grants exactly the commands it uses (none is allowed by default).
    // A changed capability file must rebuild: tauri-build does not watch a custom capabilities path.
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    #[cfg(feature = "desktop")]
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(&[
                "app_info",
                "chain_status",
                "wallet_status",
                "setup_state",
                "setup_presets",
                "wallet_generate",
                "wallet_confirm",
                "wallet_import",
                "rpc_test",
                "setup_finish",
                "pin_unlock",
                "lock",
                "owner_unlocked",
                "settings_get",
                "settings_save",
                "settings_add_network",
                "settings_remove_network",
                "create_session",
                "get_session",
                "cancel_session",
                "recent_sales",
                "set_current_sale",
                "current_sale",
                "open_customer_display",
                "ledger_find",
                "ledger_totals",
                "session_detail",
                "export_csv",
                "open_explorer",
                "simulate_payment",
                "webhooks_list",
                "webhooks_add",
                "webhooks_test",
                "webhooks_attempts",
                "webhooks_rotate",
                "webhooks_set_enabled",
                "webhooks_remove",
                "events_resend",
                "keys_create",
                "keys_list",
                "keys_revoke",
                "about",
                "diagnostics",
                "open_log_folder",
                "update_offer",
                "update_check",
                "update_install",
                "launch_failure",
                "launch_failure_open_logs",
            ])),
    )
    .expect("tauri-build failed");
}
